// The browser test's stand-in for the Grafana server: a node:http server that
// serves the host page, its bundle and the plugin's dist/ folder (at the URL
// Grafana serves plugins from), and answers the data source API the editors
// call — `/api/datasources/uid/arenawatt/resources/*`, `/health` and
// `/api/ds/query` — through the Grafana bridge (examples/grafana_bridge.rs),
// i.e. the real gpx_arenawatt. It is the JavaScript twin of
// src/test/pluginBridge.ts (which jest compiles; plain node cannot load it).

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const PLUGIN_ID = 'arenawatt-energy-datasource';
const DATASOURCE_UID = 'arenawatt';

/** Starts examples/grafana_bridge with the debug gpx_arenawatt; resolves once it is connected. */
export function startBridge() {
  const target = process.env.ARENAWATT_TARGET_DIR ?? resolve(REPO_ROOT, 'target');
  const bridgeBinary = resolve(target, 'debug', 'examples', 'grafana_bridge');
  const pluginBinary = resolve(target, 'debug', 'gpx_arenawatt');
  for (const binary of [bridgeBinary, pluginBinary]) {
    if (!existsSync(binary)) {
      throw new Error(`${binary} is missing: run \`cargo build --all-targets\` first`);
    }
  }
  const child = spawn(bridgeBinary, ['--plugin', pluginBinary], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20000);
  });
  const pending = new Map();
  let nextId = 1;
  let exited;
  return new Promise((resolveStart, rejectStart) => {
    let ready = false;
    const failAll = (reason) => {
      exited = reason;
      const error = new Error(`${reason}\n--- bridge stderr ---\n${stderr}`);
      if (!ready) {
        rejectStart(error);
      }
      for (const [, p] of pending) {
        p.reject(error);
      }
      pending.clear();
    };
    child.on('error', (e) => failAll(`grafana_bridge could not run: ${e.message}`));
    child.on('exit', (code, signal) => failAll(`grafana_bridge exited (code ${code}, signal ${signal})`));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let answer;
      try {
        answer = JSON.parse(line);
      } catch {
        stderr += `\nunparsable bridge line: ${line}`;
        return;
      }
      if (answer.ready === true && !ready) {
        ready = true;
        resolveStart(bridge);
        return;
      }
      const waiting = pending.get(answer.id);
      if (!waiting) {
        stderr += `\nbridge answer for no request: ${line}`;
        return;
      }
      pending.delete(answer.id);
      if (typeof answer.error === 'string' && !('results' in answer)) {
        waiting.reject(new Error(answer.error));
      } else {
        waiting.resolve(answer);
      }
    });
    const bridge = {
      send(request) {
        if (exited) {
          return Promise.reject(new Error(exited));
        }
        const id = nextId++;
        return new Promise((resolveAnswer, reject) => {
          pending.set(id, { resolve: resolveAnswer, reject });
          child.stdin.write(JSON.stringify({ ...request, id }) + '\n');
        });
      },
      stderr: () => stderr,
      close() {
        return new Promise((done) => {
          if (exited) {
            done();
            return;
          }
          child.once('exit', () => done());
          child.stdin.end();
        });
      },
    };
  });
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.css': 'text/css',
  '.woff2': 'font/woff2',
};

// What Grafana's index page sets before its bundle runs (@grafana/runtime's
// config reads it at import time).
const BOOT_DATA = {
  assets: { dark: '', light: '' },
  settings: { appSubUrl: '', buildInfo: { version: '12.4.10', edition: 'Open Source', env: 'production' } },
  user: { theme: 'dark', timezone: 'browser', orgRole: 'Admin', isSignedIn: true, login: 'admin' },
  navTree: [],
};

const HOST_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>arenawatt editors</title>
  <link rel="icon" href="data:,">
  <script>window.grafanaBootData = ${JSON.stringify(BOOT_DATA)};</script>
</head>
<body class="theme-dark" style="margin: 0">
  <div id="root"></div>
  <script src="/host/host.js"></script>
</body>
</html>`;

/** A file under `root`, or undefined when the path leaves it or does not exist. */
function fileUnder(root, relative) {
  const path = normalize(join(root, decodeURIComponent(relative)));
  if (path !== root && !path.startsWith(root + sep)) {
    return undefined;
  }
  return existsSync(path) && statSync(path).isFile() ? path : undefined;
}

const ICONS_PREFIX = '/public/build/img/icons/';
const FONTS_PREFIX = '/public/fonts/';
/**
 * Grafana's web fonts (its server ships them; here the same families come
 * from the @fontsource packages) under the names @grafana/ui's global styles ask for.
 */
const FONT_FILES = {
  'inter/Inter-Regular.woff2': '@fontsource/inter/files/inter-latin-400-normal.woff2',
  'inter/Inter-Medium.woff2': '@fontsource/inter/files/inter-latin-500-normal.woff2',
  'inter/Inter-Italic.woff2': '@fontsource/inter/files/inter-latin-400-italic.woff2',
  'inter/Inter-MediumItalic.woff2': '@fontsource/inter/files/inter-latin-500-italic.woff2',
};
const ROBOTO_MONO = '@fontsource/roboto-mono/files/roboto-mono-latin-400-normal.woff2';
/**
 * The one icon Grafana's server adds to @grafana/ui's set (Select's loading
 * indicator): a plain open ring, drawn here.
 */
const SPINNER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 2a10 10 0 1 0 10 10h-2a8 8 0 1 1-8-8z"/></svg>';

/** [root folder, path inside it] of a static URL, or undefined for an API URL. */
function staticFile(pathname, { hostDir, distDir, pluginPrefix }) {
  const nodeModules = resolve(REPO_ROOT, 'node_modules');
  if (pathname.startsWith('/host/')) {
    return [hostDir, pathname.slice('/host/'.length)];
  }
  if (pathname.startsWith(pluginPrefix)) {
    return [distDir, pathname.slice(pluginPrefix.length)];
  }
  if (pathname.startsWith(ICONS_PREFIX)) {
    // The icons Grafana serves come from @grafana/ui's package.
    return [resolve(nodeModules, '@grafana/ui/dist/public/img/icons'), pathname.slice(ICONS_PREFIX.length)];
  }
  if (pathname.startsWith(FONTS_PREFIX)) {
    const name = pathname.slice(FONTS_PREFIX.length);
    const file = FONT_FILES[name] ?? (name.startsWith('roboto/') ? ROBOTO_MONO : undefined);
    return file ? [nodeModules, file] : [nodeModules, '\0missing'];
  }
  return undefined;
}

function readBody(request) {
  return new Promise((resolveBody, reject) => {
    const chunks = [];
    request.on('data', (c) => chunks.push(c));
    request.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response, status, body, contentType = 'application/json') {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  response.end(text);
}

/**
 * Starts the HTTP server on 127.0.0.1 (a free port). `requests` lists every
 * request it saw, with its status, for the test's failure messages.
 */
export async function startServer({ bridge, hostDir, distDir }) {
  const requests = [];
  const resourcePrefix = `/api/datasources/uid/${DATASOURCE_UID}/resources/`;
  const pluginPrefix = `/public/plugins/${PLUGIN_ID}/`;
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const note = (status) => requests.push({ method, path: url.pathname + url.search, status });
    try {
      if (url.pathname === '/') {
        note(200);
        return send(response, 200, HOST_PAGE, CONTENT_TYPES['.html']);
      }
      if (url.pathname === `${ICONS_PREFIX}unicons/spinner.svg`) {
        note(200);
        return send(response, 200, SPINNER_SVG, CONTENT_TYPES['.svg']);
      }
      const staticRoot = staticFile(url.pathname, { hostDir, distDir, pluginPrefix });
      if (staticRoot) {
        const file = fileUnder(...staticRoot);
        if (!file) {
          note(404);
          return send(response, 404, { message: `not found: ${url.pathname}` });
        }
        note(200);
        return send(response, 200, readFileSync(file), CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
      }
      if (url.pathname.startsWith(resourcePrefix)) {
        const body = method === 'GET' ? null : await readBody(request);
        const answer = await bridge.send({
          method: 'resource',
          path: url.pathname.slice(resourcePrefix.length),
          query: url.search.replace(/^\?/, ''),
          httpMethod: method,
          body,
        });
        note(answer.status);
        const contentType = answer.headers?.['content-type']?.[0] ?? 'application/json';
        return send(response, answer.status, answer.body, contentType);
      }
      if (url.pathname === `/api/datasources/uid/${DATASOURCE_UID}/health`) {
        const answer = await bridge.send({ method: 'health' });
        // Grafana answers a failed check with 400 and the same body.
        const status = answer.status === 'OK' ? 200 : 400;
        note(status);
        return send(response, status, { status: answer.status, message: answer.message, details: answer.jsonDetails });
      }
      if (url.pathname === '/api/ds/query' && method === 'POST') {
        const body = JSON.parse(await readBody(request));
        const answer = await bridge.send({
          method: 'query',
          queries: body.queries ?? [],
          range: { from: Number(body.from), to: Number(body.to) },
        });
        // Grafana answers 207 when some refId failed, 200 otherwise.
        const failed = Object.values(answer.results).some((r) => r.error);
        note(failed ? 207 : 200);
        return send(response, failed ? 207 : 200, { results: answer.results });
      }
      note(404);
      return send(response, 404, { message: `no such endpoint: ${method} ${url.pathname}` });
    } catch (e) {
      note(500);
      return send(response, 500, { message: String(e instanceof Error ? e.message : e) });
    }
  });
  await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((done) => server.close(() => done())),
  };
}
