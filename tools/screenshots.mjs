// Screenshots of the element in granted, blocked and action-required states, light and dark,
// English and Arabic, under the strict CSP. Fails on any console error or CSP violation.
//   node tools/screenshots.mjs [out-dir]        (needs pkg/: ./dev pkg)
import { mkdir } from 'node:fs/promises';
import { launch, serve } from './browser.mjs';

const out = process.argv[2] ?? 'target/screenshots';
await mkdir(out, { recursive: true });
const { server, origin } = await serve();
const browser = await launch();
const problems = [];
try {
  for (const lang of ['en', 'ar']) {
    for (const theme of ['light', 'dark']) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, colorScheme: theme });
      page.on('console', (message) => { if (message.type() === 'error') problems.push(`${lang}/${theme}: ${message.text()}`); });
      page.on('pageerror', (error) => problems.push(`${lang}/${theme}: ${error.message}`));
      await page.goto(`${origin}/gallery.html?only=01,04,12&tier=frontier&theme=${theme}&lang=${lang}`);
      await page.waitForFunction(() => window.__decisions?.length >= 3, null, { timeout: 20000 });
      for (const card of await page.locator('.card').all()) {
        const name = await card.getAttribute('data-scenario');
        await card.screenshot({ path: `${out}/${lang}-${theme}-${name}.png` });
      }
      await page.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`screenshots in ${out}/, no console error, no CSP violation`);
