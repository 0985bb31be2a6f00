// The enforcement service under load, side by side with a jose server verifying the same 3
// tokens (identity ES256, location ES256, organization EdDSA), in one run:
//   cargo build --release --locked --bin access-check && npm ci && apt-get install wrk
//   node tools/bench/forward-auth/run.mjs [SECONDS] [ROUNDS]
// Each round runs `wrk -t2 -c64 -d${SECONDS}s --latency` against each server, alternating which
// goes first; the table gives the median over rounds of requests/s, p50 and p99.
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const policyFile = path.join(root, 'www/policy.json');

function start(command, args, marker) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => { if (String(chunk).includes(marker)) resolve(child); });
    child.on('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
}

const ours = await start(path.join(root, 'target/release/access-check'), ['serve', '--addr', '127.0.0.1:18080', '--root', root], 'http://');
const jose = await start('node', [path.join(root, 'tools/bench/forward-auth/jose-server.mjs'), '18090', policyFile], 'jose server');
await sleep(300);

async function mint(kind, claims) {
  const answer = await fetch('http://127.0.0.1:18080/demo/attest', { method: 'POST', body: JSON.stringify({ kind, claims }) });
  if (!answer.ok) throw new Error(`${kind}: ${await answer.text()}`);
  return (await answer.json()).token;
}
const now = Math.floor(Date.now() / 1000);
const tokens = [
  await mint('identity', { us_person: 'citizen', ial: 2, verified_at: now - 86400 * 30, exp: now + 3600 }),
  await mint('location', { country: 'US', anonymizer: 'none', exp: now + 900 }),
  await mint('organization', { org_id: 'org-1', org_name: 'Acme', org_country: 'US', entity: 'us_entity', restricted_party: false, exp: now + 3600 }),
].join(', ');

function wrk(url) {
  const run = spawnSync('wrk', ['-t2', '-c64', `-d${seconds}s`, '--latency', '-H', `Access-Check-Attestation: ${tokens}`, '-H', 'Access-Check-Tier: frontier', url], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr || 'wrk failed');
  const out = run.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const ms = (label) => {
    const match = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!match) return NaN;
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2]];
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p50: ms('50'), p99: ms('99'), non2xx };
}

const results = { ours: [], jose: [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['ours', 'jose'] : ['jose', 'ours'];
  for (const side of order) {
    const url = side === 'ours' ? 'http://127.0.0.1:18080/forward-auth' : 'http://127.0.0.1:18090/';
    results[side].push(wrk(url));
  }
}
ours.kill();
jose.kill();

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const row = (side) => {
  const r = results[side];
  return { rps: median(r.map((x) => x.rps)), p50: median(r.map((x) => x.p50)), p99: median(r.map((x) => x.p99)), non2xx: r.reduce((n, x) => n + x.non2xx, 0) };
};
const a = row('ours');
const b = row('jose');
console.log(`wrk -t2 -c64 -d${seconds}s, ${rounds} rounds, 3 tokens per request (medians)`);
console.log('| server | requests/s | p50 | p99 | non-200 |');
console.log('|---|---|---|---|---|');
console.log(`| access-check /forward-auth | ${a.rps.toFixed(0)} | ${a.p50.toFixed(2)} ms | ${a.p99.toFixed(2)} ms | ${a.non2xx} |`);
console.log(`| jose (verify only) | ${b.rps.toFixed(0)} | ${b.p50.toFixed(2)} ms | ${b.p99.toFixed(2)} ms | ${b.non2xx} |`);
console.log(`ratio (ours / jose) requests/s: ${(a.rps / b.rps).toFixed(2)}`);
