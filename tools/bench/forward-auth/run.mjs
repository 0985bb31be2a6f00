// The enforcement service under load, side by side with a jose server verifying the same 3
// tokens (identity ES256, location ES256, organization EdDSA), in one run:
//   cargo build --release --locked --bin access-check && npm ci && apt-get install wrk
//   node tools/bench/forward-auth/run.mjs [SECONDS] [ROUNDS] [SESSIONS] [RATE]
// Each round runs `wrk -t2 -c64 -d${SECONDS}s --latency` against each server, in an order that
// rotates from round to round: ours with the verified-token cache off (cold), ours with it on
// (warm), and jose. The table gives the median over rounds of requests/s, p50 and p99. wrk is a
// closed loop: 64 connections each send as soon as answered, so its latencies are mostly
// queueing at saturation. When `oha` is installed (`cargo install oha --locked`), a second
// table gives latency at a fixed offered rate (RATE requests/s, default 2000, below every
// server's capacity), with oha's latency correction for coordinated omission. Then
// SESSIONS distinct sessions (default 10,000) go once each through the warm server, and its
// resident memory is read before and after.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const sessions = Number(process.argv[4] ?? 10000);
const rate = Number(process.argv[5] ?? 2000);
const policyFile = path.join(root, 'www/policy.json');
const binary = path.join(root, 'target/release/access-check');

function start(command, args, marker) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => { if (String(chunk).includes(marker)) resolve(child); });
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
}

const servers = {
  cold: { url: 'http://127.0.0.1:18080/forward-auth', process: await start(binary, ['serve', '--addr', '127.0.0.1:18080', '--root', root, '--token-cache', '0', '--audit', 'off'], 'http://') },
  warm: { url: 'http://127.0.0.1:18081/forward-auth', process: await start(binary, ['serve', '--addr', '127.0.0.1:18081', '--root', root, '--audit', 'off'], 'http://') },
  jose: { url: 'http://127.0.0.1:18090/', process: await start('node', [path.join(root, 'tools/bench/forward-auth/jose-server.mjs'), '18090', policyFile], 'jose server') },
};
await sleep(300);

async function mint(kind, claims) {
  const answer = await fetch('http://127.0.0.1:18080/demo/attest', { method: 'POST', body: JSON.stringify({ kind, claims }) });
  if (!answer.ok) throw new Error(`${kind}: ${await answer.text()}`);
  return (await answer.json()).token;
}
async function session(sub) {
  const now = Math.floor(Date.now() / 1000);
  return [
    await mint('identity', { sub, us_person: 'citizen', ial: 2, verified_at: now - 86400 * 30, exp: now + 3600 }),
    await mint('location', { sub, country: 'US', anonymizer: 'none', exp: now + 900 }),
    await mint('organization', { sub, org_id: 'org-1', org_name: 'Acme', org_country: 'US', entity: 'us_entity', restricted_party: false, exp: now + 3600 }),
  ].join(', ');
}
const tokens = await session('user-7d2f0a');

function wrk(url) {
  const run = spawnSync('wrk', ['-t2', '-c64', `-d${seconds}s`, '--latency', '-H', `Access-Check-Attestation: ${tokens}`, '-H', 'Access-Check-Tier: frontier', url], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr || 'wrk failed');
  const out = run.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const ms = (label) => {
    const match = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return match ? Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2]] : NaN;
  };
  const refused = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p50: ms('50'), p99: ms('99'), refused };
}

const sides = ['cold', 'warm', 'jose'];
const results = Object.fromEntries(sides.map((side) => [side, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < sides.length; i++) {
    const side = sides[(round + i) % sides.length];
    results[side].push(wrk(servers[side].url));
  }
}

// Latency at a fixed offered rate, when oha is there.
const hasOha = spawnSync('oha', ['--version'], { encoding: 'utf8' }).status === 0;
function oha(url) {
  const run = spawnSync('oha', ['-z', `${seconds}s`, '-c', '64', '-q', String(rate), '--latency-correction', '--no-tui', '--output-format', 'json',
    '-H', `Access-Check-Attestation: ${tokens}`, '-H', 'Access-Check-Tier: frontier', url], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(run.stderr || 'oha failed');
  const out = JSON.parse(run.stdout);
  const codes = out.statusCodeDistribution ?? {};
  const refused = Object.entries(codes).filter(([code]) => code !== '200').reduce((n, [, count]) => n + count, 0);
  return { rps: out.summary.requestsPerSec, p50: out.latencyPercentiles.p50 * 1000, p99: out.latencyPercentiles.p99 * 1000, refused };
}
const fixed = Object.fromEntries(sides.map((side) => [side, []]));
if (hasOha) {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(round + i) % sides.length];
      fixed[side].push(oha(servers[side].url));
    }
  }
}

const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const before = rss(servers.warm.process.pid);
for (let i = 0; i < sessions; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, sessions - i) }, async (_, j) => {
    const attestation = await session(`bench-user-${i + j}`);
    const answer = await fetch(servers.warm.url, { headers: { 'access-check-attestation': attestation, 'access-check-tier': 'frontier' } });
    if (answer.status !== 200) throw new Error(`session ${i + j}: ${answer.status}`);
  }));
}
const after = rss(servers.warm.process.pid);
for (const side of sides) servers[side].process.kill();

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const row = (side, table = results) => {
  const r = table[side];
  return { rps: median(r.map((x) => x.rps)), p50: median(r.map((x) => x.p50)), p99: median(r.map((x) => x.p99)), refused: r.reduce((n, x) => n + x.refused, 0) };
};
const rows = Object.fromEntries(sides.map((side) => [side, row(side)]));
const names = { cold: 'access-check /forward-auth, cache off (cold)', warm: 'access-check /forward-auth, cache on (warm)', jose: 'Node.js + jose, verify only' };
console.log(`wrk -t2 -c64 -d${seconds}s --latency, ${rounds} rounds, 3 tokens per request (medians)`);
console.log('| server | requests/s | p50 | p99 | non-2xx |');
console.log('|---|---|---|---|---|');
for (const side of sides) {
  const r = rows[side];
  console.log(`| ${names[side]} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.refused} |`);
}
console.log(`throughput ratio vs jose: cold ${(rows.cold.rps / rows.jose.rps).toFixed(2)}, warm ${(rows.warm.rps / rows.jose.rps).toFixed(2)}`);
if (hasOha) {
  console.log(`\noha -c64 -q${rate} -z${seconds}s --latency-correction, ${rounds} rounds (medians)`);
  console.log('| server | requests/s | p50 | p99 | non-2xx |');
  console.log('|---|---|---|---|---|');
  for (const side of sides) {
    const r = row(side, fixed);
    console.log(`| ${names[side]} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.refused} |`);
  }
}
console.log(`warm server memory: ${before.toFixed(1)} MiB before, ${after.toFixed(1)} MiB after ${sessions} distinct sessions (${(3 * sessions)} tokens)`);
