/// <reference types="access-check/react" />
// Deliberate mistakes in JSX: each line marked @ts-expect-error must be a type error, so
// `npm run check` (tsc --strict) fails if the JSX types let one through. Not part of the build.
export function Mistakes() {
  return (
    <>
      {/* @ts-expect-error: the tier is a tier id, not a number */}
      <access-check tier={3} />
      {/* @ts-expect-error: a policy is an object, a compiled policy or a URL, not a number */}
      <access-check policy={42} />
      {/* @ts-expect-error: the theme is auto, light or dark */}
      <access-check theme="blue" />
      {/* @ts-expect-error: the decision's detail is a report: its outcome is a string */}
      <access-check onaccess-check:decision={(event) => event.detail.outcome.toFixed()} />
    </>
  );
}
