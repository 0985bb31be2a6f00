// One cold decision after page start: ?engine=ours (pkg/) or ?engine=cedar (cedar-wasm web build).
const engine = new URLSearchParams(location.search).get('engine');
const scenario = await (await fetch('/scenarios/05-h1b-with-authorization.json')).json();
let decision;
// Phases, for BENCHMARKS.md's "what stands in the way": the module imported, the wasm fetched,
// compiled and instantiated (init), the first decision.
const phases = { start: performance.now() };
if (engine === 'cedar') {
  const cedar = await import('/node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm.js');
  const { POLICY, ENTITIES, REQUEST } = await import('./cedar.js');
  phases.imported = performance.now();
  await cedar.default();
  phases.initialised = performance.now();
  decision = cedar.isAuthorized({ ...REQUEST, policies: { staticPolicies: POLICY }, entities: ENTITIES }).response.decision;
} else {
  const ours = await import('/pkg/access_check.js');
  phases.imported = performance.now();
  await ours.default();
  phases.initialised = performance.now();
  decision = (await ours.evaluate({ policy: scenario.policy, tokens: scenario.tokens, tier: 'frontier', now: scenario.now })).outcome;
}
window.__first = { at: performance.now(), decision, phases };
