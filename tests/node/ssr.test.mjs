// The package on a server (SSR, Node): importing it never throws, `define()` is a no-op that
// returns false (there is no `customElements`), and with `initSync` the same decisions are made
// (Node's WebCrypto checks the signatures). The README's "SSR" snippet is this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../..', import.meta.url).pathname;

test('importing, initSync, define() and evaluate() work in Node', async () => {
  const { initSync, define, evaluate, compile } = await import(`${ROOT}pkg/access_check.js`);
  initSync({ module: readFileSync(`${ROOT}pkg/access_check_bg.wasm`) });
  assert.equal(define(), false, 'no custom elements on a server');
  const scenario = JSON.parse(readFileSync(`${ROOT}www/scenarios/01-us-citizen-at-home.json`, 'utf8'));
  const input = { policy: scenario.policy, tokens: scenario.tokens, tier: 'frontier', now: scenario.now };
  const report = await evaluate(input);
  assert.equal(report.outcome, scenario.expected.frontier.outcome);
  assert.equal(report.outcome, 'granted');
  const compiled = await compile(scenario.policy);
  const again = await compiled.evaluate({ tokens: scenario.tokens, tier: 'frontier', now: scenario.now });
  assert.equal(again.support_code, report.support_code);
  await assert.rejects(evaluate({ ...input, now: Date.now() }), /looks like milliseconds/);
});
