// End-to-end tests of the demo playground and the support console, against the real
// `access-check serve`, in Debian's Chromium driven by playwright-core.
//   node --test tests/e2e/     (needs target/debug/access-check and pkg/: ./dev test builds both)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { launch } from '../../tools/browser.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const ARTIFACTS = `${ROOT}target/e2e-artifacts`;
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const scenarioNames = JSON.parse(await readFile(`${ROOT}www/scenario-index.json`, 'utf8'));
const SUPPORT_TOKEN = 'e2e-support-token-0123456789';
const PERSONAS = ['citizen', 'green-card', 'h1b', 'h1b-authorized', 'traveller-iran', 'traveller-germany', 'vpn', 'clock', 'nobody'];

let server;
let origin;
let browser;
const problems = [];

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  const binary = process.env.ACCESS_CHECK_BIN ?? `${ROOT}target/debug/access-check`;
  // Audit records go to a SQLite file in target/ (not the working tree); the support console
  // may look them up with SUPPORT_TOKEN.
  await mkdir(`${ROOT}target/e2e-audit`, { recursive: true });
  server = spawn(binary, ['serve', '--addr', '127.0.0.1:0', '--root', ROOT, '--audit', 'sqlite:audit.sqlite'], {
    cwd: `${ROOT}target/e2e-audit`, stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ACCESS_CHECK_SUPPORT_TOKEN: SUPPORT_TOKEN },
  });
  origin = await new Promise((resolve, reject) => {
    server.stdout.on('data', (chunk) => {
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(String(chunk));
      if (match) resolve(match[0]);
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** A page that records console errors, page errors and CSP violations. */
async function open(path, { colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  page.on('console', (message) => {
    // /api/enforce answers 403 by design when it refuses; Chromium logs every 403 as an error.
    const url = message.location().url;
    const refused = (url.endsWith('/api/enforce') && message.text().includes('403')) ||
      (url.endsWith('/api/audit/lookup') && message.text().includes('401'));
    if (message.type() === 'error' && !refused) problems.push(`${path}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${path}: ${error.message}`));
  await page.goto(`${origin}${path}`);
  return page;
}

/** Waits until the widget in `selector` has decided; returns its report. */
async function reportOf(page, selector) {
  await page.waitForFunction((s) => document.querySelector(s)?.report, selector, { timeout: 20000 });
  return page.evaluate((s) => document.querySelector(s).report, selector);
}

async function choosePersona(page, name) {
  await page.selectOption('#persona', name);
  await page.waitForFunction((n) => !document.body.dataset.pending && document.body.dataset.persona === n &&
    document.querySelector('#widget-slot access-check')?.report, name, { timeout: 20000 });
  return page.evaluate(() => document.querySelector('#widget-slot access-check').report);
}

describe('support console', () => {
  test('every scenario renders with its expected outcome', async () => {
    const page = await open('/support.html');
    await page.waitForFunction((n) => [...document.querySelectorAll('#gallery access-check')].filter((e) => e.report).length === n,
      scenarioNames.length, { timeout: 30000 });
    for (const name of scenarioNames) {
      const scenario = JSON.parse(await readFile(`${ROOT}www/scenarios/${name}.json`, 'utf8'));
      const report = await page.evaluate((n) => document.querySelector(`[data-scenario="${n}"] access-check`).report, name);
      for (const [tier, expected] of Object.entries(scenario.expected)) {
        const got = report.tiers.find((t) => t.id === tier);
        assert.equal(got.outcome, expected.outcome, `${name} / ${tier}`);
        assert.deepEqual([...new Set(got.reasons.map((r) => r.code))].sort(), [...new Set(expected.reasons)].sort(), `${name} / ${tier}`);
      }
    }
    await page.screenshot({ path: `${ARTIFACTS}/support-gallery.png`, fullPage: true });
    await page.context().close();
  });
});

describe('playground', () => {
  test('persona → widget → model picker → the server agrees', async () => {
    const page = await open('/');
    for (const persona of PERSONAS) {
      const report = await choosePersona(page, persona);
      const frontier = report.tiers.find((t) => t.id === 'frontier').outcome;
      const enabled = await page.$$eval('#model-picker input[data-tier="frontier"]', (inputs) => inputs.map((i) => !i.disabled));
      assert.ok(enabled.every((e) => e === (frontier === 'granted')), `${persona}: frontier models enabled only while granted`);
      const chosen = await page.$eval('#model-picker', (p) => p.querySelector('input:checked')?.dataset.tier ?? 'frontier');
      const widgetSays = report.tiers.find((t) => t.id === chosen).outcome;
      await page.click('#prompt-form button[type=submit]');
      await page.waitForFunction(() => document.getElementById('server-answer').dataset.status);
      const status = await page.$eval('#server-answer', (e) => Number(e.dataset.status));
      assert.equal(status === 200, widgetSays === 'granted', `${persona}: server ${status}, widget ${widgetSays} for ${chosen}`);
      await page.$eval('#server-answer', (e) => { delete e.dataset.status; });
      await page.screenshot({ path: `${ARTIFACTS}/playground-${persona}.png` });
    }
    assert.equal((await choosePersona(page, 'citizen')).tiers[0].outcome, 'granted');
    assert.equal((await choosePersona(page, 'h1b')).tiers[0].outcome, 'blocked');
    assert.equal((await choosePersona(page, 'vpn')).tiers[0].outcome, 'action_required');
    const clock = await choosePersona(page, 'clock');
    assert.equal(clock.tiers[0].outcome, 'granted', 'server time corrects the fast clock');
    assert.ok(clock.tiers[0].reasons.some((r) => r.code === 'CLOCK_SKEW'));
    // Said apart from the grant, in natural units, not as a reason for it.
    assert.deepEqual(clock.tiers[0].explanation.notices, ["Your device's clock is about 3 hours ahead."]);
    assert.ok(!clock.tiers[0].explanation.items.some((item) => /clock/.test(item)), clock.tiers[0].explanation.items.join(' | '));
    await page.context().close();
  });

  test('a support code copied on the playground replays identically on the console', async () => {
    const page = await open('/');
    await choosePersona(page, 'vpn');
    const widget = page.locator('#widget-slot access-check');
    await widget.locator('summary').click();
    await widget.locator('button.copy').click();
    await page.waitForFunction(() => document.querySelector('#widget-slot access-check').shadowRoot.querySelector('.copy-status')?.textContent);
    const code = await page.evaluate(() => navigator.clipboard.readText());
    const seen = await page.evaluate(() => document.querySelector('#widget-slot access-check').report);
    assert.equal(code, seen.support_code);
    const shown = await widget.locator('p.headline').textContent();
    const console = await open('/support.html');
    await console.fill('#support-code', code);
    await console.click('#replay-button');
    await console.waitForFunction(() => document.querySelector('#replay-slot access-check')?.report?.replay);
    const replayed = await console.evaluate(() => document.querySelector('#replay-slot access-check').report);
    assert.deepEqual(replayed.explanation, seen.explanation);
    assert.deepEqual(replayed.tiers.map((t) => t.explanation), seen.tiers.map((t) => t.explanation));
    assert.equal(replayed.replay.policy_changed, false);
    assert.equal(await console.locator('#replay-slot access-check p.headline').textContent(), shown);
    // For the agent: what the user saw first, read-only, the facts in words and the account
    // fingerprint to match the caller; no "Check again", no new code to hand over.
    const view = await console.evaluate(() => {
      const root = document.querySelector('#replay-slot access-check').shadowRoot;
      return {
        headings: [...root.querySelectorAll('h3')].map((h) => h.textContent),
        buttons: root.querySelectorAll('button').length,
        codes: root.querySelectorAll('code').length,
        facts: root.querySelector('.facts')?.textContent ?? '',
      };
    });
    // The rules have not changed: what the user saw, once, and a sentence saying so.
    assert.deepEqual(view.headings, ['What the user saw']);
    assert.match(await console.evaluate(() => document.querySelector('#replay-slot access-check').shadowRoot.textContent),
      /Today's rules give the same decision\./);
    assert.equal(view.buttons, 0, 'read-only');
    assert.equal(view.codes, 0, 'no re-encoded code');
    assert.match(view.facts, /Account fingerprint: [0-9A-F]{4}-[0-9A-F]{4}/);
    assert.match(view.facts, /Location: the United States, through a VPN/);
    assert.doesNotMatch(view.facts, /restricted_party|us_entity|TOKEN_|IAL/);
    // Pasted from an e-mail, wrapped and quoted: the same replay.
    await console.fill('#support-code', `> ${code.slice(0, 40)}
> ${code.slice(40)}`);
    await console.click('#replay-button');
    await console.waitForFunction(() => document.querySelector('#replay-slot access-check')?.report?.replay);
    assert.deepEqual(await console.evaluate(() => document.querySelector('#replay-slot access-check').report.explanation),
      seen.explanation);
    // A damaged code is explained to the agent in the widget, not in the user's words.
    await console.fill('#support-code', 'AC1-damaged');
    await console.click('#replay-button');
    await console.waitForFunction(() => /damaged/.test(document.querySelector('#replay-slot access-check')
      ?.shadowRoot.querySelector('[role=status]')?.textContent ?? ''));
    await console.screenshot({ path: `${ARTIFACTS}/support-replay.png` });
    await page.context().close();
    await console.context().close();
  });

  test("the console shows the server's records of a user beside the replay", async () => {
    const page = await open('/');
    const report = await choosePersona(page, 'citizen');
    await page.click('#prompt-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('server-answer').dataset.status);
    const console = await open('/support.html');
    await console.fill('#support-code', report.support_code);
    await console.fill('#support-token', 'not-the-token');
    await console.click('#records-button');
    await console.waitForFunction(() => document.getElementById('records-status').textContent.includes('refused'));
    await console.fill('#support-token', SUPPORT_TOKEN);
    await console.click('#records-button');
    await console.waitForFunction(() => document.getElementById('records-status').textContent.includes('found'));
    const rows = await console.$$eval('#records-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.ok(rows.length >= 1, 'at least the decision just made');
    assert.ok(rows.some((cells) => cells[2] === 'granted' && cells[4] === 'granted'), JSON.stringify(rows));
    assert.ok(rows.every((cells) => /models$/.test(cells[1])), `tiers by the names users read: ${JSON.stringify(rows)}`);
    assert.match(await console.textContent('#records-status'), /None disagrees|disagree/);
    await console.screenshot({ path: `${ARTIFACTS}/support-records.png` });
    await page.context().close();
    await console.context().close();
  });

  test("the persona's location comes from an attestation endpoint the widget can renew", async () => {
    const page = await open('/');
    const asked = [];
    page.on('request', (request) => { if (request.url().includes('/demo/location')) asked.push(new URL(request.url()).search); });
    const report = await choosePersona(page, 'traveller-iran');
    assert.equal(report.tiers.find((tier) => tier.id === 'standard').outcome, 'blocked');
    assert.ok(asked.includes('?country=IR&anonymizer=none'), JSON.stringify(asked));
    const endpoint = await page.evaluate(() => document.querySelector('#widget-slot access-check').getAttribute('attestation-endpoint'));
    assert.equal(endpoint, '/demo/location?country=IR&anonymizer=none');
    await page.context().close();
  });

  test('another language is fetched from pkg/lang/ when first needed, then shown', async () => {
    const page = await open('/');
    const fetched = [];
    page.on('request', (request) => { if (request.url().includes('/pkg/lang/')) fetched.push(new URL(request.url()).pathname); });
    await choosePersona(page, 'traveller-iran');
    assert.deepEqual(fetched, [], 'English is compiled in: nothing is fetched for it');
    await page.evaluate(() => document.querySelector('#widget-slot access-check').setAttribute('lang', 'ar'));
    await page.waitForFunction(() => document.querySelector('#widget-slot access-check').report?.explanation.lang === 'ar',
      null, { timeout: 20000 });
    assert.deepEqual(fetched, ['/pkg/lang/ar.json']);
    const direction = await page.evaluate(() =>
      document.querySelector('#widget-slot access-check').shadowRoot.querySelector('.container').getAttribute('dir'));
    assert.equal(direction, 'rtl');
    const support = await page.evaluate(() => document.querySelector('#widget-slot access-check').report.support_code);
    assert.match(support, /^AC1-/);
  });

  test('keyboard only: persona, model, prompt, run', async () => {
    const page = await open('/');
    await choosePersona(page, 'citizen');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'persona');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'lang', 'the language switcher');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'A', 'the support console link');
    // The widget comes before the models it gates: its controls first, then the models.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.tagName.toLowerCase()), 'access-check');
    for (let i = 0; i < 10 && await page.evaluate(() => document.activeElement.name) !== 'model'; i++) {
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement.name), 'model');
    await page.keyboard.press('ArrowDown');
    const model = await page.evaluate(() => document.activeElement.value);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'prompt');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('server-answer').dataset.status);
    assert.match(await page.textContent('#server-answer'), new RegExp(`HTTP 200.*${model}`));
    await page.screenshot({ path: `${ARTIFACTS}/playground-keyboard.png` });
    await page.context().close();
  });
});

describe('the package loader', () => {
  /** A page at `path` (fulfilled by the test) whose one tag loads `src`. */
  async function pageWithLoader(path, src) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const scenario = JSON.parse(await readFile(`${ROOT}www/scenarios/01-us-citizen-at-home.json`, 'utf8'));
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>loader</title>
      <script type="module" src="${src}"></script></head><body>
      <script type="application/json" id="p">${JSON.stringify(scenario.policy)}</script>
      <access-check policy="#p" tier="frontier" now="${scenario.now}"></access-check></body></html>`;
    await page.route(`${origin}${path}`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
    return { page, context, scenario };
  }

  test('copied with pkg/ to another path, it finds its module and wasm beside itself', async () => {
    const { page, context, scenario } = await pageWithLoader('/vendor-page.html', '/vendor/access-check/access-check.js');
    // /vendor/access-check/* is pkg/ itself, served under another path.
    await page.route(`${origin}/vendor/access-check/**`, async (route) => {
      const file = new URL(route.request().url()).pathname.replace('/vendor/access-check/', '');
      const type = file.endsWith('.wasm') ? 'application/wasm' : file.endsWith('.json') ? 'application/json' : 'text/javascript';
      try {
        route.fulfill({ status: 200, contentType: type, body: await readFile(`${ROOT}pkg/${file}`) });
      } catch {
        route.fulfill({ status: 404, body: 'not found' });
      }
    });
    await page.goto(`${origin}/vendor-page.html`);
    // A module script runs after parsing: wait for the element to be defined before calling it.
    await page.evaluate(() => customElements.whenDefined('access-check'));
    for (const token of scenario.tokens) await page.evaluate((t) => document.querySelector('access-check').addToken(t), token);
    const report = await page.evaluate(() => document.querySelector('access-check').decided);
    assert.equal(report.outcome, 'granted');
    await context.close();
  });

  test('embedded with one tag from another origin, under the host-page CSP the README gives', async () => {
    const scenario = JSON.parse(await readFile(`${ROOT}www/scenarios/01-us-citizen-at-home.json`, 'utf8'));
    // The host page: another loopback origin, its CSP allowing only the widget's origin.
    const csp = `default-src 'self'; script-src ${origin} 'wasm-unsafe-eval'; connect-src ${origin}; style-src 'self'`;
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>host</title>
      <script type="module" src="${origin}/pkg/access-check.js"></script></head><body>
      <access-check policy="${origin}/policy.json" tier="frontier" now="${scenario.now}"></access-check></body></html>`;
    const host = createServer((request, response) => {
      // (204 for the favicon Chromium asks for.)
      response.writeHead(request.url === '/' ? 200 : 204, { 'content-type': 'text/html', 'content-security-policy': csp });
      response.end(request.url === '/' ? html : '');
    });
    await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations = [];
    page.on('console', (message) => { if (message.type() === 'error') violations.push(message.text()); });
    try {
      await page.goto(`http://127.0.0.1:${host.address().port}/`);
      await page.evaluate(() => customElements.whenDefined('access-check'));
      for (const token of scenario.tokens) await page.evaluate((t) => document.querySelector('access-check').addToken(t), token);
      const report = await page.evaluate(() => document.querySelector('access-check').decided);
      assert.equal(report.outcome, 'granted');
      assert.deepEqual(violations, []);
    } finally {
      await context.close();
      host.close();
    }
  });

  test('one integrity attribute covers the loader, which pins the wasm, which pins the language files', async () => {
    const [loaderHash] = (await readFile(`${ROOT}pkg/integrity.txt`, 'utf8')).split(/\s+/);
    const scenario = JSON.parse(await readFile(`${ROOT}www/scenarios/01-us-citizen-at-home.json`, 'utf8'));
    const html = (integrity) => `<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>sri</title>
      <script type="module" src="/pkg/access-check.js" integrity="${integrity}" crossorigin="anonymous"></script></head><body>
      <script type="application/json" id="p">${JSON.stringify(scenario.policy)}</script>
      <access-check policy="#p" tier="frontier" now="${scenario.now}"></access-check></body></html>`;
    const visit = async (integrity, tamper) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const messages = [];
      page.on('console', (message) => messages.push(message.text()));
      await page.route(`${origin}/sri-page.html`, (route) => route.fulfill({ contentType: 'text/html', body: html(integrity) }));
      if (tamper) {
        await page.route(`${origin}/pkg/${tamper}`, async (route) => {
          const body = Buffer.from(await readFile(`${ROOT}pkg/${tamper}`));
          body[body.length - 2] ^= 1; // one bit, near the end
          route.fulfill({ contentType: tamper.endsWith('.wasm') ? 'application/wasm' : 'application/json', body });
        });
      }
      await page.addInitScript(() => {
        window.__errors = [];
        document.addEventListener('access-check:error', (event) => window.__errors.push(event.detail.code));
      });
      await page.goto(`${origin}/sri-page.html`);
      return { page, context, messages };
    };
    // The right hash: decides, in Arabic (the language file checked against the wasm's hash).
    {
      const { page, context } = await visit(loaderHash);
      await page.evaluate(() => customElements.whenDefined('access-check'));
      for (const token of scenario.tokens) await page.evaluate((t) => document.querySelector('access-check').addToken(t), token);
      const report = await page.evaluate(() => document.querySelector('access-check').decided);
      assert.equal(report.outcome, 'granted');
      assert.equal(report.explanation.lang, 'ar');
      await context.close();
    }
    // A wrong hash: the browser does not run the loader at all.
    {
      const { page, context, messages } = await visit('sha384-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      for (let waited = 0; !messages.some((m) => /integrity/i.test(m)) && waited < 10000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(messages.some((m) => /integrity/i.test(m)), messages.join('\n'));
      assert.equal(await page.evaluate(() => customElements.get('access-check')), undefined);
      await context.close();
    }
    // A changed wasm: refused by the loader: the stand-in and WIDGET_UNAVAILABLE.
    {
      const { page, context } = await visit(loaderHash, 'access_check_bg.wasm');
      await page.waitForFunction(() => window.__errors.length > 0, null, { timeout: 20000 });
      assert.deepEqual(await page.evaluate(() => window.__errors), ['WIDGET_UNAVAILABLE']);
      await context.close();
    }
    // A changed language file: refused by the wasm; the wording stays English, never the file's.
    {
      const { page, context, messages } = await visit(loaderHash, 'lang/ar.json');
      await page.evaluate(() => customElements.whenDefined('access-check'));
      const report = await page.evaluate(() => document.querySelector('access-check').decided);
      assert.equal(report.explanation.lang, 'en');
      assert.ok(messages.some((m) => m.includes('not the one this package was built with')), messages.join('\n'));
      await context.close();
    }
  });

  test('a blocked wasm fetch is a visible site problem and an access-check:error, not an uncaught error', async () => {
    const { page, context } = await pageWithLoader('/blocked-page.html', '/pkg/access-check.js');
    const uncaught = [];
    page.on('pageerror', (error) => uncaught.push(error.message));
    await page.route(`${origin}/pkg/access_check_bg.wasm`, (route) => route.abort('blockedbyclient'));
    await page.addInitScript(() => {
      window.__errors = [];
      document.addEventListener('access-check:error', (event) => window.__errors.push(event.detail));
    });
    await page.goto(`${origin}/blocked-page.html`);
    await page.waitForFunction(() => window.__errors.length > 0, null, { timeout: 20000 });
    const errors = await page.evaluate(() => window.__errors);
    assert.equal(errors[0].code, 'WIDGET_UNAVAILABLE');
    const shown = await page.evaluate(() => document.querySelector('access-check').shadowRoot.textContent);
    assert.match(shown, /could not be loaded on this site/);
    await assert.rejects(page.evaluate(() => document.querySelector('access-check').decided), /could not be loaded/);
    assert.deepEqual(uncaught, []);
    await context.close();
  });
});

/** The playground's widget, its shadow text and its report, once it has decided for `persona`. */
async function playgroundWidget(page, persona) {
  await page.waitForFunction((n) => !document.body.dataset.pending && document.body.dataset.persona === n &&
    document.querySelector('#widget-slot access-check')?.report, persona, { timeout: 20000 });
  return page.evaluate(() => {
    const element = document.querySelector('#widget-slot access-check');
    return { report: element.report, text: element.shadowRoot.textContent };
  });
}

/** Follows the widget's "Verify …" link to the demo identity provider and back, as `status`. */
async function verifyAs(page, status) {
  const link = page.locator('#widget-slot access-check a.remedy', { hasText: /Verify/ });
  assert.equal(await link.getAttribute('target'), null, 'the identity check leads away and back in this tab');
  await Promise.all([page.waitForURL(/\/verify\.html\?return=/), link.click()]);
  await page.check(`input[name=status][value="${status}"]`);
  await Promise.all([page.waitForURL((url) => url.pathname === '/'), page.click('#verify-form button[type=submit]')]);
}

describe('journeys', () => {
  test('nobody verified yet → "Verify your identity" → the identity provider → back → granted', async () => {
    const page = await open('/?persona=nobody');
    const before = await playgroundWidget(page, 'nobody');
    const frontier = before.report.tiers.find((t) => t.id === 'frontier');
    assert.equal(frontier.outcome, 'action_required');
    // Either/or: verifying leads; the organization is the alternative, not a second step.
    assert.match(frontier.explanation.remedies[0], /^Verify that you are a US person/);
    assert.match(frontier.explanation.remedies.at(-1), /^If you are not a US person, ask your organization/);
    assert.ok(!frontier.explanation.items.some((item) => /organization/.test(item)), frontier.explanation.items.join(' | '));
    assert.match(before.text, /You can use Standard models\./, 'what is available, in the live region too');
    await verifyAs(page, 'citizen');
    const after = await playgroundWidget(page, 'nobody');
    assert.equal(after.report.tiers.find((t) => t.id === 'frontier').outcome, 'granted', after.text);
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar at once');
    const enabled = await page.$$eval('#model-picker input[data-tier="frontier"]', (inputs) => inputs.every((i) => !i.disabled));
    assert.ok(enabled, 'frontier models can be picked now');
    await page.screenshot({ path: `${ARTIFACTS}/journey-verified-citizen.png` });
    await page.context().close();
  });

  test('a foreign national who verifies is still refused, and is sent to their organization', async () => {
    const page = await open('/?persona=nobody');
    await playgroundWidget(page, 'nobody');
    await verifyAs(page, 'none');
    const { report, text } = await playgroundWidget(page, 'nobody');
    const frontier = report.tiers.find((t) => t.id === 'frontier');
    // Not a US person: only an export authorization from the organization can grant access.
    assert.notEqual(frontier.outcome, 'granted', text);
    assert.equal(frontier.remedies[0]?.action, 'contact_organization', JSON.stringify(frontier.remedies));
    assert.ok(!frontier.remedies.some((r) => r.action === 'verify_identity'), 'verifying again would not help');
    assert.match(text, /not a US person/);
    assert.match(text, /organization's administrator about an export authorization/);
    await page.screenshot({ path: `${ARTIFACTS}/journey-verified-foreign-national.png` });
    await page.context().close();
  });

  test('coming back to the page checks again, showing it; "Check again" that changes nothing says so and keeps focus', async () => {
    const page = await open('/?persona=vpn');
    const locationFetches = [];
    page.on('request', (request) => { if (request.url().includes('/demo/location')) locationFetches.push(request.url()); });
    const { text } = await playgroundWidget(page, 'vpn');
    assert.match(text, /Turn off your VPN, then check again\./, 'the anonymizer is named');
    const status = () => page.$eval('#widget-slot access-check', (e) => e.shadowRoot.querySelector('[role=status]').textContent);
    const said = await status();
    // From here on: the endpoint's fetches, and every write to the live region (a rewrite with
    // the same words may be announced again, so none may happen).
    locationFetches.length = 0;
    await page.$eval('#widget-slot access-check', (e) => {
      window.__statusWrites = 0;
      new MutationObserver((records) => { window.__statusWrites += records.length; })
        .observe(e.shadowRoot.querySelector('[role=status]'), { childList: true, characterData: true, subtree: true });
    });
    // The page is shown again (another tab, a woken laptop): the endpoint is asked again.
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await page.waitForFunction(() => document.querySelector('#widget-slot access-check').shadowRoot.querySelector('[part~=unchanged]'),
      null, { timeout: 20000 });
    assert.ok(locationFetches.length >= 1, 'the location was fetched again');
    assert.equal(await status(), said);
    assert.equal(await page.evaluate(() => window.__statusWrites), 0, 'the live region is not written again when nothing changed');
    // "Check again" from the keyboard: the same decision, said visibly; focus stays on the button.
    await page.locator('#widget-slot access-check button.retry').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const root = document.querySelector('#widget-slot access-check').shadowRoot;
      return !root.querySelector('[aria-busy=true]') && root.querySelector('[part~=unchanged]');
    }, null, { timeout: 20000 });
    const focused = await page.$eval('#widget-slot access-check', (e) => e.shadowRoot.activeElement?.getAttribute('part'));
    assert.equal(focused, 'button retry');
    assert.equal(await status(), said);
    assert.equal(await page.evaluate(() => window.__statusWrites), 0, 'nor after "Check again" that changed nothing');
    await page.context().close();
  });

  test('an outage of the attestation endpoint: words for an outage, "Check again" that works, support link and code', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`outage: ${error.message}`));
    await page.route('**/demo/location**', (route) => route.fulfill({ status: 503, body: 'down for maintenance' }));
    await page.goto(`${origin}/?persona=citizen`);
    const root = () => page.locator('#widget-slot access-check');
    await page.waitForFunction(() => document.querySelector('#widget-slot access-check')?.shadowRoot
      .querySelector('.container.error'), null, { timeout: 30000 });
    const text = await root().evaluate((e) => e.shadowRoot.textContent);
    assert.match(text, /access service is not answering right now/);
    assert.doesNotMatch(text, /Verify your identity|set up wrongly/, 'an outage, not the user and not misconfiguration');
    assert.match(text, /If this keeps happening, contact support/);
    assert.match(await root().evaluate((e) => e.shadowRoot.querySelector('details code')?.textContent ?? ''), /^AC1-/);
    // The service is back: "Check again" brings the decision.
    await page.unroute('**/demo/location**');
    await root().locator('button.retry').click();
    await page.waitForFunction(() => document.querySelector('#widget-slot access-check')?.report?.outcome === 'granted',
      null, { timeout: 30000 });
    await context.close();
  });

  test('the widget comes before the models it gates, and describes them', async () => {
    const page = await open('/?persona=h1b');
    await playgroundWidget(page, 'h1b');
    const order = await page.evaluate(() => {
      const widget = document.querySelector('#widget-slot');
      const picker = document.querySelector('#model-picker');
      return widget.compareDocumentPosition(picker) & Node.DOCUMENT_POSITION_FOLLOWING;
    });
    assert.ok(order, 'the widget is first in reading and tab order');
    const described = await page.$$eval('#model-picker input', (inputs) => inputs.map((i) => i.getAttribute('aria-describedby')));
    assert.ok(described.every((id) => id === 'access-widget'), JSON.stringify(described));
    assert.equal(await page.$eval('#access-widget', (e) => e.localName), 'access-check', 'described by the widget');
    const box = await page.evaluate(() => {
      const w = document.querySelector('#widget-slot').getBoundingClientRect();
      const m = document.querySelector('#model-picker').getBoundingClientRect();
      return { widgetTop: w.top, pickerTop: m.top };
    });
    await page.setViewportSize({ width: 360, height: 800 });
    const narrow = await page.evaluate(() => document.querySelector('#widget-slot').getBoundingClientRect().bottom <=
      document.querySelector('#model-picker').getBoundingClientRect().top);
    assert.ok(narrow, `on a narrow screen the widget is above the models (${JSON.stringify(box)})`);
    await page.context().close();
  });

  for (const path of ['/', '/support.html', '/verify.html', '/gallery.html']) {
    test(`no horizontal overflow at 320 px on ${path}`, async () => {
      const context = await browser.newContext({ viewport: { width: 320, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${origin}${path}`);
      await page.waitForLoadState('networkidle');
      await page.waitForFunction(() => [...document.querySelectorAll('access-check')].every((e) => e.report || e.shadowRoot?.querySelector('.error')),
        null, { timeout: 30000 });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 320, `${path} is ${width} px wide at 320 px`);
      await context.close();
    });
  }
});

describe('both pages', () => {
  for (const path of ['/', '/support.html']) {
    for (const colorScheme of ['light', 'dark']) {
      test(`axe finds no violation on ${path} (${colorScheme})`, async () => {
        const page = await open(path, { colorScheme });
        await page.waitForFunction(() => [...document.querySelectorAll('access-check')].every((e) => e.report) &&
          document.querySelectorAll('access-check').length > 0, null, { timeout: 30000 });
        await page.evaluate(axeSource);
        const results = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
        const violations = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        assert.deepEqual(violations, []);
        await page.context().close();
      });
    }
  }

  test('no console error and no CSP violation anywhere above', () => {
    assert.deepEqual(problems, []);
  });
});
