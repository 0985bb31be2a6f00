// The browser benchmark (BENCHMARKS.md): node tools/bench/run.mjs [rounds]
// Needs pkg/ (./dev pkg) and the npm dev tools (jose, @cedar-policy/cedar-wasm: npm ci).
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { launch, serve } from '../browser.mjs';

const rounds = Number(process.argv[2] ?? 9);
const ROOT = new URL('../..', import.meta.url).pathname;
const gz = async (path) => gzipSync(await readFile(`${ROOT}${path}`), { level: 9 }).length;
const { server, origin } = await serve();
const browser = await launch();
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => { console.error(error); process.exitCode = 1; });
  await page.goto(`${origin}/bench/index.html?rounds=${rounds}`);
  await page.waitForFunction(() => window.__bench, null, { timeout: 300000 });
  const bench = await page.evaluate(() => window.__bench);
  // First decision after page start: cold loads, alternated.
  const first = { ours: [], cedar: [] };
  const phases = { ours: [], cedar: [] };
  for (let round = 0; round < rounds; round++) {
    for (const engine of round % 2 ? ['cedar', 'ours'] : ['ours', 'cedar']) {
      const context = await browser.newContext();
      const cold = await context.newPage();
      await cold.goto(`${origin}/bench/first.html?engine=${engine}`);
      await cold.waitForFunction(() => window.__first, null, { timeout: 60000 });
      const { at, decision, phases: p } = await cold.evaluate(() => window.__first);
      if (!['granted', 'allow'].includes(decision)) throw new Error(`${engine} decided ${decision}`);
      first[engine].push(at);
      phases[engine].push([p.start, p.imported - p.start, p.initialised - p.imported, at - p.initialised]);
      await context.close();
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const ours = (await gz('pkg/access_check_bg.wasm')) + (await gz('pkg/access_check.js'));
  const cedar = (await gz('node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm_bg.wasm')) + (await gz('node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm.js'));
  const row = (label, a, b, unit) => console.log(`${label.padEnd(58)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(10)} ${unit.padEnd(4)} ratio ${(a / b).toFixed(3)}`);
  console.log(`Chromium ${browser.version()}, ${rounds} rounds, medians\n${''.padEnd(58)} ${'ours'.padStart(10)} ${'theirs'.padStart(10)}`);
  row('size gzip -9 (pkg/ wasm+JS vs cedar-wasm web wasm+JS)', ours / 1024, cedar / 1024, 'KiB');
  row('first decision after page start (vs cedar-wasm)', median(first.ours), median(first.cedar), 'ms');
  for (const engine of ['ours', 'cedar']) {
    const column = (i) => median(phases[engine].map((p) => p[i])).toFixed(1);
    console.log(`  ${engine} phases (median ms): page start → script ${column(0)}, import ${column(1)}, init (wasm fetch + compile) ${column(2)}, first decision ${column(3)}`);
  }
  row('compiled evaluate() of 3 tokens (vs jose jwtVerify x3)', bench.ours3, bench.jose3, 'us');
  row('evaluate() of 3 tokens, policy read each call (vs jose)', bench.oursUncompiled3, bench.jose3b, 'us');
  row('compiled decision without tokens (vs cedar statefulIsAuthorized)', bench.oursPolicy, bench.cedarPolicy, 'us');
} finally {
  await browser.close();
  server.close();
}
