// The real-browser test of the plugin's editors (issue 11): headless Debian
// Chromium loads the built dist/module.js the way Grafana does (an AMD module
// whose react and @grafana/* imports come from the host page), mounts the
// ConfigEditor, the QueryEditor for every query type and the variable editor,
// with their resource calls answered by the real gpx_arenawatt, changes a
// field in each and checks the query (or settings) the editor emits.
//
// A case fails on any console error, page error, failed or 4xx/5xx request,
// on an editor without inputs, or on a blank screenshot (pixels are decoded
// and counted). Screenshots go to test-output/browser/*.png.
//
// Needs: `npm run build` (dist/module.js), `cargo build --all-targets` (the
// bridge and the debug plugin), Chromium (CHROMIUM_PATH, default
// /usr/bin/chromium). Run: `node tests/browser/run.mjs [CASE...]`.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

import { PNG } from 'pngjs';
import puppeteer from 'puppeteer-core';

import { REPO_ROOT, startBridge, startServer } from './server.mjs';

const require = createRequire(import.meta.url);
const OUTPUT = resolve(REPO_ROOT, 'test-output', 'browser');
const HOST_DIR = resolve(OUTPUT, 'host');
const DIST_DIR = resolve(REPO_ROOT, 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const QUERY_TYPES = readQueryTypes();
const CASE_TIMEOUT_MS = 30000;

/** QUERY_TYPES from src/types.ts, so a new type cannot be left untested. */
function readQueryTypes() {
  const source = readFileSync(resolve(REPO_ROOT, 'src', 'types.ts'), 'utf8');
  const match = source.match(/export const QUERY_TYPES = \[([^\]]*)\]/);
  if (!match) {
    throw new Error('src/types.ts: no `export const QUERY_TYPES = [...]` list');
  }
  return [...match[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

function buildHost() {
  const webpack = require('webpack');
  const config = require('./webpack.host.js');
  return new Promise((done, fail) => {
    webpack(config, (error, stats) => {
      if (error) {
        fail(error);
      } else if (stats.hasErrors()) {
        fail(new Error(`building the host page:\n${stats.toString('errors-only')}`));
      } else {
        done();
      }
    });
  });
}

/**
 * Counts the pixels that differ from the background (the most common
 * colour) and the distinct colours: a blank or one-colour page has neither.
 */
function pixelReport(pngBytes) {
  const { width, height, data } = PNG.sync.read(pngBytes);
  const counts = new Map();
  for (let i = 0; i < data.length; i += 4) {
    const colour = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    counts.set(colour, (counts.get(colour) ?? 0) + 1);
  }
  const [background] = [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a));
  const channels = (c) => [(c >> 16) & 255, (c >> 8) & 255, c & 255];
  const [br, bg, bb] = channels(background);
  let differing = 0;
  for (const [colour, count] of counts) {
    const [r, g, b] = channels(colour);
    if (Math.abs(r - br) + Math.abs(g - bg) + Math.abs(b - bb) > 48) {
      differing += count;
    }
  }
  return { width, height, differing, colours: counts.size };
}

/** The share of an editor's pixels that must stand out from its background. */
const MIN_DIFFERING_SHARE = 0.015;

// ---- interactions inside the page

/** Picks an option of a @grafana/ui Select by typing and choosing the option whose text matches. */
async function choose(page, inputId, typed, optionText) {
  await page.click(`#${inputId}`);
  await page.type(`#${inputId}`, typed);
  const option = await page.waitForFunction(
    (text) =>
      [...document.querySelectorAll('[role="option"], [aria-label="Select option"]')].find((o) =>
        o.textContent?.includes(text)
      ),
    { timeout: 10000 },
    optionText
  );
  await option.asElement().click();
  await page.keyboard.press('Escape');
}

/** Types into a plain input and commits it (Enter, then blur). */
async function fill(page, inputId, value) {
  await page.click(`#${inputId}`, { clickCount: 3 });
  await page.type(`#${inputId}`, value);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
}

const lastChange = (page) => page.evaluate(() => window.arenawattHost.changes.at(-1));

/** What each case changes, and what the emitted query or settings must then hold. */
function interactionsFor(editor, queryType) {
  if (editor === 'config') {
    return [
      {
        what: 'set PUE to 1.3',
        act: (page) => fill(page, 'config-pue', '1.3'),
        check: (change) => change?.jsonData?.pue === 1.3 && change?.uid === 'arenawatt',
      },
      {
        what: 'pick zone FRA from the zones resource',
        act: (page) => choose(page, 'config-zone', 'FRA', 'FRA'),
        check: (change) => change?.jsonData?.zone === 'FRA' && change?.jsonData?.pue === 1.3,
      },
    ];
  }
  if (editor === 'variable') {
    return [
      {
        what: 'switch "Values of" from models to electricity zones',
        act: (page) => choose(page, 'query-of', 'Electricity', 'Electricity zones'),
        check: (change) => change?.of === 'zones' && change?.queryType === 'variable',
      },
    ];
  }
  const steps = [];
  if (queryType === 'model') {
    steps.push({
      what: 'choose GLM 4.5 from the models resource',
      act: (page) => choose(page, 'query-model', 'GLM 4.5', 'GLM 4.5'),
      // The value is the catalog id the backend listed, not the typed label.
      check: (change) => change?.model === 'glm-4.5' && change?.queryType === 'model',
    });
  }
  if (queryType === 'preferences') {
    steps.push({
      what: 'narrow to GLM 4.5 from the models resource',
      act: (page) => choose(page, 'query-model', 'GLM 4.5', 'GLM 4.5'),
      check: (change) => change?.model === 'glm-4.5' && change?.queryType === 'preferences',
    });
  }
  if (queryType === 'annotations') {
    // Only the sources and the window apply to data-change marks.
    steps.push({
      what: 'keep the imports of source simulated, from the sources resource',
      act: (page) => choose(page, 'query-sources', 'simulated', 'simulated'),
      check: (change) =>
        JSON.stringify(change?.sources) === JSON.stringify(['simulated']) && change?.queryType === 'annotations',
    });
    return steps;
  }
  if (queryType === 'variable') {
    steps.push({
      what: 'switch "Values of" to size classes',
      act: (page) => choose(page, 'query-of', 'Size', 'Size classes'),
      check: (change) => change?.of === 'sizes' && change?.queryType === 'variable' && change?.refId === 'A',
    });
    return steps;
  }
  steps.push({
    what: 'set min votes to 250',
    act: (page) => fill(page, 'query-minVotes', '250'),
    check: (change) => change?.minVotes === 250 && change?.queryType === queryType && change?.refId === 'A',
  });
  if (queryType === 'scatter' || queryType === 'leaderboard') {
    steps.push({
      what: 'filter on model GLM 4.5 from the models resource',
      act: (page) => choose(page, 'query-models', 'GLM 4.5', 'GLM 4.5'),
      check: (change) =>
        JSON.stringify(change?.models) === JSON.stringify(['glm-4.5']) && change?.minVotes === 250,
      // The edited query, run as a panel runs it, returns GLM 4.5's row only.
      result: (summary) =>
        !summary.error &&
        summary.frames.length === 1 &&
        summary.frames[0].refId === 'A' &&
        JSON.stringify(summary.frames[0].fields.model) === JSON.stringify(['glm-4.5']) &&
        summary.frames[0].fields.votes[0] >= 250,
    });
  }
  return steps;
}

// ---- one case

async function runCase(browser, serverUrl, { name, editor, queryType }) {
  const problems = [];
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 900 });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'assert') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`)
  );
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problems.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()}`);
    }
  });
  try {
    const search = new URLSearchParams({ editor, ...(queryType ? { type: queryType } : {}) });
    await page.goto(`${serverUrl}/?${search}`, { waitUntil: 'load', timeout: CASE_TIMEOUT_MS });
    await page.waitForFunction(() => window.arenawattHost?.status !== 'loading', { timeout: CASE_TIMEOUT_MS });
    const status = await page.evaluate(() => ({ status: window.arenawattHost.status, error: window.arenawattHost.error }));
    if (status.status !== 'mounted') {
      problems.push(`the host did not mount the editor: ${status.error}`);
      return problems;
    }
    // The editors fetch their option lists on mount; wait for the answers.
    await page.waitForNetworkIdle({ idleTime: 500, timeout: CASE_TIMEOUT_MS });
    const rendered = await page.evaluate(() => ({
      inputs: document.querySelectorAll('#root input').length,
      text: document.querySelector('#root')?.textContent?.length ?? 0,
      requests: window.arenawattHost.requests,
    }));
    if (rendered.inputs === 0) {
      problems.push('the editor rendered no inputs');
    }
    if (rendered.text < 20) {
      problems.push(`the editor rendered almost no text (${rendered.text} characters)`);
    }
    if (!rendered.requests.some((r) => r.includes('/resources/'))) {
      problems.push(`the editor fetched no resource from the backend (requests: ${rendered.requests.join(', ')})`);
    }
    const editorBox = await page.$('#editor');
    const screenshot = await editorBox.screenshot({ path: resolve(OUTPUT, `${name}.png`) });
    const pixels = pixelReport(Buffer.from(screenshot));
    if (pixels.differing < MIN_DIFFERING_SHARE * pixels.width * pixels.height || pixels.colours < 8) {
      problems.push(
        `the screenshot looks blank: ${pixels.differing} of ${pixels.width}×${pixels.height} pixels differ from the background, ${pixels.colours} colours`
      );
    }

    if (queryType === 'scatter') {
      // Before any change, the default query shows every open model with energy.
      const initial = await page.evaluate(() => window.arenawattHost.changes.length === 0);
      const summary = await page.evaluate(() =>
        window.arenawattHost.runQuery({ refId: 'A', queryType: 'scatter', datasource: { uid: 'arenawatt' } })
      );
      if (!initial || summary.error || summary.frames[0]?.length < 59) {
        problems.push(`the default scatter query gave ${JSON.stringify({ error: summary.error, rows: summary.frames[0]?.length })}`);
      }
    }
    for (const step of interactionsFor(editor, queryType)) {
      const before = await page.evaluate(() => window.arenawattHost.changes.length);
      await step.act(page);
      await page
        .waitForFunction((n) => window.arenawattHost.changes.length > n, { timeout: 5000 }, before)
        .catch(() => problems.push(`${step.what}: the editor emitted no change`));
      const change = await lastChange(page);
      if (!step.check(change)) {
        problems.push(`${step.what}: the emitted ${editor === 'config' ? 'settings' : 'query'} is ${JSON.stringify(change)}`);
      } else if (step.result) {
        const summary = await page.evaluate((query) => window.arenawattHost.runQuery(query), change);
        if (!step.result(summary)) {
          const frames = summary.frames.map((f) => ({ refId: f.refId, rows: f.length, model: f.fields.model }));
          problems.push(`${step.what}: running the query gave ${JSON.stringify({ error: summary.error, frames })}`);
        }
      }
    }
    await page.waitForNetworkIdle({ idleTime: 300, timeout: CASE_TIMEOUT_MS }).catch(() => {});
    await editorBox.screenshot({ path: resolve(OUTPUT, `${name}-changed.png`) });
  } catch (e) {
    problems.push(`${e instanceof Error ? e.message : e}`);
  } finally {
    await page.close();
  }
  return problems;
}

// ---- main

async function main() {
  const cases = [
    { name: 'config-editor', editor: 'config' },
    { name: 'variable-editor', editor: 'variable' },
    ...QUERY_TYPES.map((queryType) => ({ name: `query-editor-${queryType}`, editor: 'query', queryType })),
  ];
  // `node tests/browser/run.mjs NAME...` runs only the named cases.
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !cases.some((c) => c.name === name));
  if (unknown.length > 0) {
    throw new Error(`no such case: ${unknown.join(', ')}; cases: ${cases.map((c) => c.name).join(', ')}`);
  }
  const selected = only.length > 0 ? cases.filter((c) => only.includes(c.name)) : cases;
  if (!existsSync(resolve(DIST_DIR, 'module.js'))) {
    throw new Error('dist/module.js is missing: run `npm run build` first');
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  mkdirSync(OUTPUT, { recursive: true });
  await buildHost();
  const bridge = await startBridge();
  const server = await startServer({ bridge, hostDir: HOST_DIR, distDir: DIST_DIR });
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  let passed = 0;
  let failed = 0;
  try {
    for (const testCase of selected) {
      const problems = await runCase(browser, server.url, testCase);
      if (problems.length === 0) {
        passed += 1;
        console.log(`ok - ${testCase.name}`);
      } else {
        failed += 1;
        console.log(`not ok - ${testCase.name}`);
        for (const problem of problems) {
          console.log(`    ${problem.split('\n').join('\n    ')}`);
        }
      }
    }
  } finally {
    await browser.close();
    await server.close();
    await bridge.close();
  }
  if (failed > 0) {
    console.log(`--- bridge stderr (tail) ---\n${bridge.stderr().slice(-4000)}`);
  }
  console.log(`screenshots in ${OUTPUT}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((e) => {
  console.error(`browser test: ${e instanceof Error ? e.stack : e}`);
  console.log('0 passed, 1 failed');
  // A bridge started before the failure would keep node alive.
  process.exit(1);
});
