// Deliberate mistakes: each line marked @ts-expect-error must be a type error (tsc reports an
// unused @ts-expect-error as an error itself, so a type that lets the mistake through fails
// tests/typescript/types.test.mjs).
import { evaluate, compile, replay } from '../../pkg/access_check.js';
import type { ReasonCode, Report, PolicyDocument } from '../../pkg/access_check.js';

declare const policy: PolicyDocument;

export async function mistakes(): Promise<void> {
  // @ts-expect-error: a misspelt input field ("token" for "tokens")
  await evaluate({ policy, token: [] });
  // @ts-expect-error: `now` is seconds as a number, not a string
  await evaluate({ policy, tokens: [], now: '1800000000' });
  // @ts-expect-error: the policy is required
  await evaluate({ tokens: [] });
  // @ts-expect-error: a reason code that does not exist
  const code: ReasonCode = 'NOT_A_US_PERSON';
  const report: Report = await evaluate({ policy, tokens: [] });
  // @ts-expect-error: outcomes are a closed set
  if (report.outcome === 'allowed') console.log(code);
  const compiled = await compile(policy);
  // @ts-expect-error: a compiled policy takes no policy
  await compiled.evaluate({ policy, tokens: [] });
  // @ts-expect-error: the report is not a string
  const text: string = replay('AC1-x');
  const element = document.createElement('access-check');
  // @ts-expect-error: the decision's detail is a report, whose outcome is not a number
  element.addEventListener('access-check:decision', (event) => { const n: number = event.detail.outcome; console.log(n); });
  // @ts-expect-error: addToken takes a string
  element.addToken(42);
  // @ts-expect-error: the policy property takes a policy, not a number
  element.policy = 7;
  // @ts-expect-error: decided is a promise of a report, not a report
  const outcome: string = element.decided.outcome;
  console.log(outcome);
  // @ts-expect-error: the internal handle is not part of the public types
  element._core.connected();
  console.log(text);
}
