// A small consumer of the package, as a TypeScript developer writes one: it must compile under
// `tsc --strict` against pkg/access_check.d.ts (tests/typescript/types.test.mjs).
import init, { compile, evaluate, replay, define, version } from '../../pkg/access_check.js';
import type { Report, ReasonCode, RemedyAction, EvaluateInput, PolicyDocument, AccessCheckElement } from '../../pkg/access_check.js';

const policy: PolicyDocument = {
  version: '2026-12-01.1',
  audience: 'https://playground.example.com',
  issuers: [{ iss: 'https://edge.example.com', kinds: ['location'], algorithms: ['ES256'], jwks_uri: 'https://edge.example.com/jwks.json' }],
  tiers: [{ id: 'standard', require: { location: { countries_not_in: ['CU', 'IR', 'KP', 'SY'], anonymizers: ['none'] } } }],
};

export async function main(tokens: string[]): Promise<string> {
  await init();
  define();
  const input: EvaluateInput = { policy, tokens, tier: 'standard', now: 1_800_000_000 };
  const report: Report = await evaluate(input);
  const compiled = await compile(policy);
  const again = await compiled.evaluate({ tokens, lang: 'es' });
  const codes: ReasonCode[] = report.tiers.flatMap((tier) => tier.reasons.map((reason) => reason.code));
  const actions: RemedyAction[] = again.tiers.flatMap((tier) => tier.remedies.map((remedy) => remedy.action));
  if (report.outcome === 'granted' && report.valid_until !== null) {
    console.log(`granted until ${report.valid_until}`, codes, actions);
  }
  for (const token of report.tokens) {
    if (token.status === 'rejected' && token.code === 'SIGNATURE_INVALID') console.log(token.iss, token.detail);
  }
  const replayed = replay(report.support_code);
  const underPolicy = replay(report.support_code, { policy, lang: 'ar' });
  console.log(replayed.replay?.rederived, underPolicy.replay?.policy_changed, version(), compiled.version);

  const element = document.createElement('access-check');
  const typed: AccessCheckElement = element;
  typed.setAttribute('policy', '/policy.json');
  typed.addToken(tokens[0] ?? '');
  element.addEventListener('access-check:decision', (event) => console.log(event.detail.outcome, event.detail.support_code));
  element.addEventListener('access-check:error', (event) => console.error(event.detail.code, event.detail.message));
  document.querySelector('access-check')?.addEventListener('access-check:decision', (e) => console.log(e.detail.tier));
  element.policy = compiled;
  element.policy = policy;
  const first: Report = await element.decided;
  const latest: Report | null = element.report;
  const refreshed = await element.refresh();
  return `${first.outcome} ${latest?.outcome ?? 'pending'} ${refreshed?.outcome ?? ''} ${element.supportCode() ?? ''}`;
}
