// Time from page start (navigation) to the element's first decision, in headless Chromium,
// median of N cold page loads (fresh browser context each: nothing cached).
//   node tools/first-decision.mjs [rounds]      (needs pkg/: ./dev pkg)
import { launch, serve } from './browser.mjs';

const rounds = Number(process.argv[2] ?? 9);
const { server, origin } = await serve();
const browser = await launch();
const times = [];
try {
  for (let i = 0; i < rounds; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/gallery.html?only=01&tier=frontier`);
    await page.waitForFunction(() => window.__decisions?.length >= 1, null, { timeout: 20000 });
    times.push(await page.evaluate(() => window.__decisions[0].at));
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`first decision after page start: median ${median.toFixed(1)} ms over ${rounds} cold loads (min ${times[0].toFixed(1)}, max ${times.at(-1).toFixed(1)})`);
