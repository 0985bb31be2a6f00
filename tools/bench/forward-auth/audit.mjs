// What auditing costs: `/forward-auth` with the verified-token cache on (warm), auditing off,
// on SQLite and (when ACCESS_CHECK_BENCH_POSTGRES is a postgres:// URL) on PostgreSQL, in one run:
//   cargo build --release --locked --bin access-check && apt-get install wrk
//   [ACCESS_CHECK_BENCH_POSTGRES=postgres://…] node tools/bench/forward-auth/audit.mjs [SECONDS] [ROUNDS] [RATE]
// Each round runs `wrk -t2 -c64 -d${SECONDS}s --latency` (saturation) against each server in
// rotating order, then, when oha is installed, `oha -c64 -q${RATE}` (latency at a fixed offered
// rate, default 2000 requests/s, corrected for coordinated omission); medians over rounds. Each server runs in its own temporary directory (its SQLite file, key
// and checkpoints).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const rate = Number(process.argv[4] ?? 2000);
const binary = path.join(root, 'target/release/access-check');
const postgres = process.env.ACCESS_CHECK_BENCH_POSTGRES;

const dirs = [];
function start(port, audit) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'access-check-bench-'));
  dirs.push(cwd);
  const child = spawn(binary, ['serve', '--addr', `127.0.0.1:${port}`, '--root', root, '--audit', audit], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => { if (String(chunk).includes('http://')) resolve(child); });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const servers = {
  off: { url: 'http://127.0.0.1:18181/forward-auth', process: await start(18181, 'off') },
  sqlite: { url: 'http://127.0.0.1:18182/forward-auth', process: await start(18182, 'sqlite:audit.sqlite') },
};
if (postgres) servers.postgres = { url: 'http://127.0.0.1:18183/forward-auth', process: await start(18183, postgres) };
await sleep(300);

async function mint(kind, claims) {
  const answer = await fetch('http://127.0.0.1:18181/demo/attest', { method: 'POST', body: JSON.stringify({ kind, claims }) });
  if (!answer.ok) throw new Error(`${kind}: ${await answer.text()}`);
  return (await answer.json()).token;
}
const now = Math.floor(Date.now() / 1000);
const tokens = [
  await mint('identity', { sub: 'user-7d2f0a', us_person: 'citizen', ial: 2, verified_at: now - 86400 * 30, exp: now + 3600 }),
  await mint('location', { sub: 'user-7d2f0a', country: 'US', anonymizer: 'none', exp: now + 900 }),
  await mint('organization', { sub: 'user-7d2f0a', org_id: 'org-1', org_name: 'Acme', org_country: 'US', entity: 'us_entity', restricted_party: false, exp: now + 3600 }),
].join(', ');

function wrk(url) {
  const run = spawnSync('wrk', ['-t2', '-c64', `-d${seconds}s`, '--latency', '-H', `Access-Check-Attestation: ${tokens}`, '-H', 'Access-Check-Tier: frontier', url], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr || 'wrk failed');
  const out = run.stdout;
  const ms = (label) => {
    const match = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return match ? Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2]] : NaN;
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: ms('50'), p99: ms('99'),
    refused: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
  };
}

function oha(url) {
  const run = spawnSync('oha', ['-z', `${seconds}s`, '-c', '64', '-q', String(rate), '--latency-correction', '--no-tui', '--output-format', 'json',
    '-H', `Access-Check-Attestation: ${tokens}`, '-H', 'Access-Check-Tier: frontier', url], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(run.stderr || 'oha failed');
  const out = JSON.parse(run.stdout);
  const refused = Object.entries(out.statusCodeDistribution ?? {}).filter(([code]) => code !== '200').reduce((n, [, count]) => n + count, 0);
  return { rps: out.summary.requestsPerSec, p50: out.latencyPercentiles.p50 * 1000, p99: out.latencyPercentiles.p99 * 1000, refused };
}
const hasOha = spawnSync('oha', ['--version']).status === 0;

const sides = Object.keys(servers);
const results = Object.fromEntries(sides.map((side) => [side, []]));
const fixed = Object.fromEntries(sides.map((side) => [side, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < sides.length; i++) {
    const side = sides[(round + i) % sides.length];
    results[side].push(wrk(servers[side].url));
    if (hasOha) fixed[side].push(oha(servers[side].url));
  }
}
for (const side of sides) servers[side].process.kill('SIGTERM');
await sleep(1000);
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
function table(title, rows) {
  console.log(title);
  console.log('| auditing | requests/s | p50 | p99 | non-2xx | throughput vs off |');
  console.log('|---|---|---|---|---|---|');
  const off = median(rows.off.map((x) => x.rps));
  for (const side of sides) {
    const r = rows[side];
    const rps = median(r.map((x) => x.rps));
    console.log(`| ${side} | ${rps.toFixed(0)} | ${median(r.map((x) => x.p50)).toFixed(2)} ms | ${median(r.map((x) => x.p99)).toFixed(2)} ms | ${r.reduce((n, x) => n + x.refused, 0)} | ${(rps / off).toFixed(2)} |`);
  }
}
table(`wrk -t2 -c64 -d${seconds}s --latency, ${rounds} rounds, warm cache, 3 tokens per request (medians)`, results);
if (hasOha) table(`\noha -c64 -q${rate} -z${seconds}s --latency-correction, ${rounds} rounds (medians)`, fixed);
