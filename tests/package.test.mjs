// Packaging test (node's test runner): runs scripts/package.sh, unpacks the
// zip, and checks that it holds what Grafana needs: one top folder named after
// the plugin id, a plugin.json that passes the main rules of Grafana's
// plugin.json schema, module.js, and the backend with its executable bit.
//
//   node --test tests/package.test.mjs      (PROFILE=dev by default, to reuse the debug build)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const PLUGIN_ID = 'arenawatt-energy-datasource';

/** The main rules of Grafana's plugin.json schema (docs/sources/developers/plugins/plugin.schema.json). */
export function pluginJsonProblems(p) {
  const problems = [];
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const need = (cond, message) => {
    if (!cond) {
      problems.push(message);
    }
  };
  if (!isObject(p)) {
    return ['plugin.json is not an object'];
  }
  for (const key of ['type', 'name', 'id', 'info', 'dependencies']) {
    need(key in p, `missing required key ${key}`);
  }
  const allowed = new Set([
    '$schema', 'alerting', 'annotations', 'autoEnabled', 'backend', 'builtIn', 'category', 'dependencies',
    'enterpriseFeatures', 'executable', 'hideFromList', 'id', 'includes', 'info', 'logs', 'metrics', 'name',
    'pascalName', 'preload', 'queryOptions', 'routes', 'skipDataQuery', 'state', 'streaming', 'tracing', 'type',
  ]);
  for (const key of Object.keys(p)) {
    need(allowed.has(key), `unknown top-level key ${key}`);
  }
  need(typeof p.id === 'string' && /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager|transformer)$/.test(p.id), `bad id ${p.id}`);
  need(['app', 'datasource', 'panel', 'renderer', 'secretsmanager', 'transformer'].includes(p.type), `bad type ${p.type}`);
  need(typeof p.name === 'string' && p.name.length > 0, 'name must be a non-empty string');
  for (const key of ['alerting', 'annotations', 'backend', 'logs', 'metrics', 'streaming', 'tracing']) {
    need(!(key in p) || typeof p[key] === 'boolean', `${key} must be a boolean`);
  }
  need(!('executable' in p) || typeof p.executable === 'string', 'executable must be a string');
  need(!p.alerting || p.backend === true, 'alerting requires backend: true');
  need(!p.backend || typeof p.executable === 'string', 'a backend plugin needs an executable');
  need(!('category' in p) || ['tsdb', 'logging', 'cloud', 'tracing', 'profiling', 'sql', 'enterprise', 'iot', 'other'].includes(p.category), `bad category ${p.category}`);

  const info = p.info;
  if (isObject(info)) {
    for (const key of ['logos', 'version', 'updated', 'keywords']) {
      need(key in info, `info: missing required key ${key}`);
    }
    const infoAllowed = new Set(['author', 'build', 'description', 'keywords', 'links', 'logos', 'screenshots', 'updated', 'version']);
    for (const key of Object.keys(info)) {
      need(infoAllowed.has(key), `info: unknown key ${key}`);
    }
    need(Array.isArray(info.keywords) && info.keywords.length >= 1 && info.keywords.every((k) => typeof k === 'string'), 'info.keywords: at least one string');
    need(isObject(info.logos) && typeof info.logos.small === 'string' && typeof info.logos.large === 'string', 'info.logos needs small and large');
    need(typeof info.version === 'string' && /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)/.test(info.version), `info.version ${info.version} is not semver`);
    need(typeof info.updated === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(info.updated), `info.updated ${info.updated} is not YYYY-MM-DD`);
    need(!('author' in info) || isObject(info.author), 'info.author must be an object');
    need(!('links' in info) || Array.isArray(info.links), 'info.links must be an array');
  } else {
    problems.push('info must be an object');
  }

  const deps = p.dependencies;
  if (isObject(deps)) {
    need(
      typeof deps.grafanaDependency === 'string' &&
        /^(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x*]+)(\.[0-9x*]+)?(\s(<=|>=|<|=>)?([0-9]+)(\.[0-9x]+)(\.[0-9x]+))?$/.test(deps.grafanaDependency),
      `dependencies.grafanaDependency ${deps.grafanaDependency} is not a version range`
    );
    need(!('plugins' in deps) || Array.isArray(deps.plugins), 'dependencies.plugins must be an array');
  } else {
    problems.push('dependencies must be an object');
  }

  if ('includes' in p) {
    if (Array.isArray(p.includes)) {
      p.includes.forEach((inc, i) => {
        need(isObject(inc), `includes[${i}] must be an object`);
        need(['dashboard', 'page', 'panel', 'datasource', 'secretsmanager'].includes(inc?.type), `includes[${i}].type ${inc?.type}`);
        need(inc?.type !== 'dashboard' || typeof inc.path === 'string', `includes[${i}]: a dashboard needs a path`);
      });
    } else {
      problems.push('includes must be an array');
    }
  }
  return problems;
}

describe('pluginJsonProblems', () => {
  it('finds the problems of a broken plugin.json', () => {
    const problems = pluginJsonProblems({
      id: 'Arenawatt',
      type: 'datasourcee',
      alerting: true,
      info: { version: 'one', updated: 'today', keywords: [], logos: {} },
      extra: 1,
    });
    for (const expected of ['missing required key name', 'missing required key dependencies', 'unknown top-level key extra', 'bad id', 'bad type', 'alerting requires backend', 'info.keywords', 'info.logos', 'info.version', 'info.updated']) {
      assert.ok(problems.some((p) => p.includes(expected)), `expected a problem about "${expected}" in ${JSON.stringify(problems)}`);
    }
  });
});

function goSuffix() {
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' }[process.arch];
  const os = { linux: 'linux', darwin: 'darwin', win32: 'windows', freebsd: 'freebsd' }[process.platform];
  return `${os}_${arch}${os === 'windows' ? '.exe' : ''}`;
}

describe('scripts/dist.sh --go-suffix', () => {
  // The same table as magefile_test.go's TestGoSuffix: both build paths name executables alike.
  const cases = {
    'x86_64-unknown-linux-gnu': 'linux_amd64',
    'x86_64-unknown-linux-musl': 'linux_amd64',
    'aarch64-unknown-linux-gnu': 'linux_arm64',
    'armv7-unknown-linux-gnueabihf': 'linux_arm',
    'x86_64-apple-darwin': 'darwin_amd64',
    'aarch64-apple-darwin': 'darwin_arm64',
    'x86_64-pc-windows-gnu': 'windows_amd64.exe',
    'x86_64-pc-windows-msvc': 'windows_amd64.exe',
    'i686-unknown-linux-gnu': 'linux_386',
    'x86_64-unknown-freebsd': 'freebsd_amd64',
  };
  const suffix = (triple) =>
    execFileSync('bash', ['scripts/dist.sh', '--go-suffix', triple], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  it("names each Rust target with Go's os_arch", () => {
    const got = Object.fromEntries(Object.keys(cases).map((t) => [t, suffix(t)]));
    assert.deepEqual(got, cases);
  });

  it('refuses a target Grafana has no name for, naming it', () => {
    assert.throws(() => suffix('wasm32-unknown-unknown'), (err) => String(err.stderr).includes('wasm32-unknown-unknown'));
  });
});

describe('scripts/package.sh', () => {
  let work;
  let top;
  let zipPath;
  let output = '';

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'arenawatt-package-'));
    try {
      output = execFileSync('bash', ['scripts/package.sh'], {
        cwd: ROOT,
        env: { ...process.env, OUT_DIR: join(work, 'out'), PROFILE: process.env.PROFILE ?? 'dev' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (err) {
      throw new Error(`scripts/package.sh failed:\n${err.stdout}\n${err.stderr}`);
    }
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    zipPath = join(work, 'out', `${PLUGIN_ID}-${version}.zip`);
    assert.ok(existsSync(zipPath), `no ${zipPath}; package.sh printed:\n${output}`);
    execFileSync('unzip', ['-q', zipPath, '-d', join(work, 'unpacked')]);
    top = join(work, 'unpacked', PLUGIN_ID);
  });

  after(() => {
    if (work) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('unpacks into one folder named after the plugin id', () => {
    assert.deepEqual(readdirSync(join(work, 'unpacked')), [PLUGIN_ID]);
  });

  it('ships a plugin.json valid against the main rules of the schema', () => {
    const plugin = JSON.parse(readFileSync(join(top, 'plugin.json'), 'utf8'));
    assert.deepEqual(pluginJsonProblems(plugin), [], JSON.stringify(plugin, null, 2));
    assert.equal(plugin.id, PLUGIN_ID);
    assert.equal(plugin.type, 'datasource');
    assert.equal(plugin.backend, true);
    assert.equal(plugin.alerting, true);
    assert.equal(plugin.executable, 'gpx_arenawatt');
    // The dashboards' XY chart options apply from Grafana 11.5 (src/dashboards.test.ts).
    assert.equal(plugin.dependencies.grafanaDependency, '>=11.5.0');
    assert.equal(plugin.info.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    assert.ok(!JSON.stringify(plugin).includes('%'), 'a %PLACEHOLDER% was left in plugin.json');
  });

  it('ships every file plugin.json names: logos and dashboards', () => {
    const plugin = JSON.parse(readFileSync(join(top, 'plugin.json'), 'utf8'));
    for (const path of [plugin.info.logos.small, plugin.info.logos.large]) {
      assert.ok(existsSync(join(top, path)), `logo ${path} is missing`);
    }
    const dashboards = plugin.includes.filter((i) => i.type === 'dashboard');
    assert.ok(dashboards.length >= 1);
    for (const inc of dashboards) {
      const dashboard = JSON.parse(readFileSync(join(top, inc.path), 'utf8'));
      assert.equal(dashboard.title, inc.name, `${inc.path}: title differs from the include's name`);
    }
    // every dashboard of the repository is listed
    const shipped = readdirSync(join(top, 'dashboards')).map((f) => `dashboards/${f}`).sort();
    assert.deepEqual(dashboards.map((d) => d.path).sort(), shipped);
  });

  it('ships module.js as an AMD module with Grafana and React external', () => {
    const module = readFileSync(join(top, 'module.js'), 'utf8');
    assert.ok(module.length > 1000, 'module.js is suspiciously small');
    assert.match(module, /^define\(/, 'module.js is not an AMD module');
    for (const external of ['@grafana/data', '@grafana/runtime', '@grafana/ui', 'react']) {
      assert.ok(module.includes(`"${external}"`), `module.js does not import ${external} from Grafana`);
    }
  });

  it('ships the backend for this machine, executable, and README and CHANGELOG', () => {
    const name = `gpx_arenawatt_${goSuffix()}`;
    const mode = statSync(join(top, name)).mode;
    assert.equal(mode & 0o111, 0o111, `${name} mode ${mode.toString(8)} lacks the executable bits`);
    assert.ok(statSync(join(top, name)).size > 100_000);
    if (process.platform === 'linux') {
      const header = readFileSync(join(top, name)).subarray(0, 4);
      assert.ok(header.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])), `${name} is not an ELF executable`);
    }
    for (const doc of ['README.md', 'CHANGELOG.md']) {
      assert.ok(existsSync(join(top, doc)), `${doc} is missing`);
    }
  });

  it('writes a .sha1 file that matches the zip', () => {
    const expected = readFileSync(`${zipPath}.sha1`, 'utf8').trim();
    const actual = createHash('sha1').update(readFileSync(zipPath)).digest('hex');
    assert.equal(expected, actual);
  });
});
