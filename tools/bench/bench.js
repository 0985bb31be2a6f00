// Side by side in one page, runs alternated, medians over rounds:
// 1. our compiled evaluate() of 3 tokens (ES256, ES256, Ed25519) vs jose's jwtVerify of the same
//    tokens with keys imported once (verification only); and the uncompiled evaluate(), which
//    reads the policy on every call;
// 2. our per-decision cost without signatures (compiled evaluate() of no tokens: three-valued
//    evaluation, explanation, support code) vs cedar-wasm's pre-parsed statefulIsAuthorized.
import init, { compile, evaluate } from '/pkg/access_check.js';
import { importJWK, jwtVerify } from '/node_modules/jose/dist/webapi/index.js';
import cedarInit, { preparsePolicySet, statefulIsAuthorized } from '/node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm.js';
import { POLICY, ENTITIES, REQUEST } from './cedar.js';

const ROUNDS = Number(new URLSearchParams(location.search).get('rounds') ?? 9);
await init();
await cedarInit();
const scenario = await (await fetch('/scenarios/05-h1b-with-authorization.json')).json();
const policy = scenario.policy;
const keys = new Map();
for (const issuer of policy.issuers) {
  for (const jwk of issuer.jwks.keys) keys.set(jwk.kid, await importJWK(jwk, jwk.alg));
}
const header = (token) => JSON.parse(atob(token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/')));
const tokenKeys = scenario.tokens.map((token) => keys.get(header(token).kid));
const currentDate = new Date(scenario.now * 1000);
preparsePolicySet('frontier', { staticPolicies: POLICY });

const compiled = await compile(policy);
const ours3 = () => compiled.evaluate({ tokens: scenario.tokens, tier: 'frontier', now: scenario.now });
const oursUncompiled3 = () => evaluate({ policy, tokens: scenario.tokens, tier: 'frontier', now: scenario.now });
const jose3 = async () => { for (let i = 0; i < 3; i++) await jwtVerify(scenario.tokens[i], tokenKeys[i], { currentDate }); };
const oursPolicy = () => compiled.evaluate({ tokens: [], tier: 'frontier', now: scenario.now });
const cedarPolicy = () => statefulIsAuthorized({ ...REQUEST, preparsedPolicySetId: 'frontier', entities: ENTITIES });

// Sanity: both sides really decide.
if ((await ours3()).outcome !== 'granted') throw new Error('ours: not granted');
if ((await oursUncompiled3()).outcome !== 'granted') throw new Error('ours (uncompiled): not granted');
await jose3();
if (cedarPolicy().response.decision !== 'allow') throw new Error('cedar: not allow');

async function perCall(fn, iterations) {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  return ((performance.now() - start) * 1000) / iterations; // microseconds
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = { ours3: [], jose3: [], oursUncompiled3: [], jose3b: [], oursPolicy: [], cedarPolicy: [] };
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which side goes first, so neither always runs on a warmer machine.
  const pairs = [
    ['ours3', ours3, 'jose3', jose3],
    ['oursUncompiled3', oursUncompiled3, 'jose3b', jose3],
    ['oursPolicy', oursPolicy, 'cedarPolicy', cedarPolicy],
  ];
  for (const [a, fa, b, fb] of pairs) {
    const order = round % 2 ? [[b, fb], [a, fa]] : [[a, fa], [b, fb]];
    for (const [name, fn] of order) results[name].push(await perCall(fn, 200));
  }
}
window.__bench = Object.fromEntries(Object.entries(results).map(([name, values]) => [name, median(values)]));
document.getElementById('status').textContent = JSON.stringify(window.__bench);
