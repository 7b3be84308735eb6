// What every browser test file shares: a `maillage demo` on a fresh data folder, Debian's
// Chromium driven by playwright-core, axe-core (WCAG 2.1 A/AA rules) and a login helper.
// `setup()` registers the hooks of the calling test file.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const bin = process.env.MAILLAGE_BIN ?? new URL('../../target/debug/maillage', import.meta.url).pathname;

let server, browser, dataDir;
export let base;

// Reads the first line matching `pattern` on a child's stdout.
const announced = (child, pattern, what) => new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = out.match(pattern);
    if (m) resolve(m[0]);
  });
  child.on('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
});

let addok;

// `options.addok`: also start a real addok (tests/geocoder) and give its URL to the demo as
// its address look-up.
export function setup(options = {}) {
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'maillage-browser-'));
  const args = ['demo', '--listen', '127.0.0.1:0', '--data', dataDir];
  if (options.addok) {
    const root = new URL('../geocoder/', import.meta.url).pathname;
    const python = process.env.MAILLAGE_TEST_ADDOK_PYTHON ?? '/opt/maillage-test/addok/bin/python';
    addok = spawn(python, [`${root}addok_server.py`, join(dataDir, 'addok'), `${root}addresses.ndjson`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const port = await announced(addok, /^\d+(?=\n)/m, 'addok');
    args.push('--address-search', `http://127.0.0.1:${port}/search/`);
  }
  server = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  // The port must be whole: followed by something else than a digit.
  base = await announced(server, /http:\/\/127\.0\.0\.1:\d+(?=\D)/, 'maillage');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  addok?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});
}

// axe is injected as a script: the page's own CSP (no inline script) is bypassed for the tool only.
export const newPage = async (options = {}) => (await browser.newContext({ bypassCSP: true, ...options })).newPage();

export async function axe(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  const violations = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(violations, [], `axe violations on ${page.url()}`);
}

/** A phone's screen. */
export const phone = { viewport: { width: 390, height: 844 } };

/** The page is no wider than the screen, and passes axe. */
export async function fits(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${page.url()} wider than the screen by ${overflow}px`);
  await axe(page);
}

export async function login(page, email, password) {
  await page.goto(`${base}/connexion`);
  await axe(page);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('main button[type=submit]');
}

