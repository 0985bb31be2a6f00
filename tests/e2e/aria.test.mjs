// What a screen reader hears, pinned: the accessibility tree of the widget (Playwright's ARIA
// snapshot, through its shadow root) for each kind of outcome, in English and in Arabic,
// compared with tests/e2e/aria/*.yaml. A change in roles, names or words fails here.
//   ACCESS_CHECK_WRITE_ARIA=1 node --test tests/e2e/aria.test.mjs   rewrites the files after a
//   deliberate change (read the diff: it is what users of screen readers will hear).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { launch, serve } from '../../tools/browser.mjs';

const DIR = new URL('./aria/', import.meta.url);
// Granted with a clock notice, blocked, action required (either/or), a VPN, expired identity,
// a clock that explains the expired checks.
const SCENARIOS = ['21-clock-ahead-with-server-time', '10-traveller-embargoed-country', '13-no-tokens', '12-vpn-user',
  '14-expired-identity', '22-clock-ahead-without-server-time'];

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.server.close();
});

for (const lang of ['en', 'ar']) {
  test(`the accessibility tree of each outcome is the pinned one (${lang})`, async () => {
    const page = await (await browser.newContext()).newPage();
    const only = SCENARIOS.map((name) => name.slice(0, 2)).join(',');
    await page.goto(`${server.origin}/gallery.html?only=${only}&lang=${lang}`);
    await page.waitForFunction((n) => window.__decisions?.length >= n, SCENARIOS.length, { timeout: 30000 });
    for (const name of SCENARIOS) {
      const snapshot = await page.locator(`[data-scenario="${name}"] access-check`).ariaSnapshot();
      const file = new URL(`${name}.${lang}.yaml`, DIR);
      if (process.env.ACCESS_CHECK_WRITE_ARIA) await writeFile(file, `${snapshot}\n`);
      const pinned = await readFile(file, 'utf8').catch(() => '(no pinned snapshot: run with ACCESS_CHECK_WRITE_ARIA=1)');
      assert.equal(`${snapshot}\n`, pinned, `${name} (${lang})`);
    }
    await page.context().close();
  });
}
