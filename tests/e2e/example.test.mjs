// The example app (examples/react-vite: Vite + React 19 + TypeScript strict), as ./dev test
// builds it (npm ci, tsc, vite build): loaded from its dist/ in Chromium, it renders a decision
// in Spanish (the language file emitted by Vite and fetched on demand), with the `decided`
// promise read in a React effect and the event prop counted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { execFileSync } from 'node:child_process';
import { launch } from '../../tools/browser.mjs';

const DIST = new URL('../../examples/react-vite/dist/', import.meta.url).pathname;
const TYPES = { '.svg': 'image/svg+xml', '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
let server;
let origin;
let browser;

before(async () => {
  server = createServer(async (request, response) => {
    const path = normalize(new URL(request.url, 'http://x').pathname);
    const file = join(DIST, path === '/' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('the React example renders a decision in Spanish under a strict CSP', async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`); });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => document.getElementById('outcome')?.textContent === 'granted', null, { timeout: 20000 });
  await page.waitForFunction(() => Number(document.getElementById('events')?.textContent) >= 1, null, { timeout: 20000 });
  const lang = await page.evaluate(() => document.querySelector('access-check').report.explanation.lang);
  assert.equal(lang, 'es');
  const text = await page.evaluate(() => document.querySelector('access-check').shadowRoot.textContent);
  assert.match(text, /modelos de vanguardia/);
  assert.deepEqual(problems, []);
});

test("the README's server-side snippet runs in Node with the app's install of the package", () => {
  const app = new URL('../../examples/react-vite/', import.meta.url).pathname;
  const printed = execFileSync(process.execPath, ['ssr.mjs'], { cwd: app, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(printed), { defined: false, outcome: 'granted' });
});

test("the example's scenario is the demo's first scenario, not a copy that drifted", async () => {
  const root = new URL('../../', import.meta.url).pathname;
  const copy = JSON.parse(await readFile(`${root}examples/react-vite/src/scenario.json`, 'utf8'));
  const original = JSON.parse(await readFile(`${root}www/scenarios/01-us-citizen-at-home.json`, 'utf8'));
  assert.deepEqual(copy, original, 'cp www/scenarios/01-us-citizen-at-home.json examples/react-vite/src/scenario.json');
});
