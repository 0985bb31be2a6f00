// The package's TypeScript types (SPEC §7), against pkg/ as built by ./dev pkg:
// - consumer.ts compiles under `tsc --strict`, and every deliberate mistake in mistakes.ts is a
//   type error (each is marked @ts-expect-error, which tsc reports when nothing is wrong);
// - no `any` in the public declarations, and the element's internal handle is not among them;
// - the reason codes and remedy actions are exactly those of src/core/codes.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../..', import.meta.url).pathname;
const declarations = readFileSync(`${ROOT}pkg/access_check.d.ts`, 'utf8');

test('a strict consumer compiles and every deliberate mistake is a type error', () => {
  try {
    execFileSync(`${ROOT}node_modules/.bin/tsc`, ['-p', `${ROOT}tests/typescript/tsconfig.json`], { encoding: 'utf8' });
  } catch (failure) {
    assert.fail(`tsc --strict failed:\n${failure.stdout}${failure.stderr}`);
  }
});

test('the public declarations have no any and no internal handle', () => {
  const code = declarations.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  assert.doesNotMatch(code, /:\s*any\b|<any>|\bany\[\]|=>\s*any\b/);
  assert.doesNotMatch(code, /ElementHandle/);
  for (const name of ['Report', 'ReasonCode', 'RemedyAction', 'EvaluateInput', 'CompiledInput', 'AccessCheckElement']) {
    assert.match(code, new RegExp(`export (interface|type) ${name}\\b`), name);
  }
  assert.match(code, /"access-check": AccessCheckElement/);
  assert.match(code, /"access-check:decision": CustomEvent<Report>/);
  assert.match(code, /export function replay\(supportCode: string, options\?: ReplayOptions\): Report/);
});

test('reason codes and remedy actions are the core\'s', () => {
  const codes = readFileSync(`${ROOT}src/core/codes.rs`, 'utf8');
  const rust = (block) => [...codes.slice(codes.indexOf(block)).split('}')[0].matchAll(/=> "([A-Za-z_]+)"/g)].map((m) => m[1]);
  const union = (name) => {
    const start = declarations.indexOf(`export type ${name} =`);
    const body = declarations.slice(start, declarations.indexOf(';', start));
    return [...body.matchAll(/"([A-Za-z_]+)"/g)].map((m) => m[1]);
  };
  const sorted = (list) => [...list].sort();
  assert.deepEqual(sorted(union('ReasonCode')), sorted(rust('Code {')));
  assert.deepEqual(sorted(union('RemedyAction')), sorted(rust('Action {')));
});
