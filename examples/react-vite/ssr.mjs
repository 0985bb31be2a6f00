// The README's server-side snippet, run by tests/e2e/example.test.mjs with this app's install of
// the package: import on a server, define() is a no-op, initSync, evaluate.
import { define, initSync, evaluate } from 'access-check';
import { readFileSync } from 'node:fs';

const scenario = JSON.parse(readFileSync(new URL('./src/scenario.json', import.meta.url), 'utf8'));
const { policy, tokens, now } = scenario;

initSync({ module: readFileSync(new URL(import.meta.resolve('access-check/access_check_bg.wasm'))) });
const report = await evaluate({ policy, tokens, tier: 'frontier', now });
console.log(JSON.stringify({ defined: define(), outcome: report.outcome }));
