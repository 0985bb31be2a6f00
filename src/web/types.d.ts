// The public types of the package (SPEC §5, §7), added to pkg/access_check.d.ts by wasm-bindgen.
// The reason codes and remedy actions are checked against src/core/codes.rs by a native test
// (tests/typescript.rs), and a `tsc --strict` test compiles a consumer against them.

/** Outcome of a tier, and of the report (the requested tier's). */
export type Outcome = "granted" | "blocked" | "action_required" | "error";

/** The stable reason codes (SPEC §5). */
export type ReasonCode =
  | "TOKEN_MALFORMED" | "TOKEN_TOO_LARGE" | "TOKEN_TYPE_UNKNOWN" | "ALGORITHM_NOT_ALLOWED"
  | "CRITICAL_HEADER_UNSUPPORTED" | "ISSUER_UNTRUSTED" | "ISSUER_NOT_ALLOWED_FOR_KIND" | "KEY_UNKNOWN"
  | "SIGNATURE_INVALID" | "AUDIENCE_MISMATCH" | "TOKEN_EXPIRED" | "TOKEN_NOT_YET_VALID"
  | "TOKEN_TOO_OLD" | "CLAIM_INVALID" | "SUBJECT_MISMATCH" | "NONCE_MISMATCH" | "TOO_MANY_TOKENS"
  | "IDENTITY_MISSING" | "LOCATION_MISSING" | "ORGANIZATION_MISSING"
  | "NOT_US_PERSON" | "IDENTITY_ASSURANCE_TOO_LOW" | "IDENTITY_VERIFICATION_STALE"
  | "CITIZENSHIP_REQUIRED" | "CITIZENSHIP_EXCLUDED" | "LOCATION_RESTRICTED" | "REGION_RESTRICTED"
  | "ANONYMIZER_DETECTED" | "ORGANIZATION_ENTITY_NOT_ALLOWED" | "AUTHORIZATION_MISSING"
  | "RESTRICTED_PARTY"
  | "CLOCK_SKEW" | "CLOCK_SKEW_SUSPECTED"
  | "POLICY_INVALID" | "KEYS_UNAVAILABLE" | "TIER_UNKNOWN"
  | "IDENTITY_ELIGIBLE" | "LOCATION_ELIGIBLE" | "ORGANIZATION_ELIGIBLE" | "AUTHORIZATION_VALID"
  | "ATTRIBUTE_INVALID" | "SUPPORT_CODE_INVALID" | "EXCLUDED_FACT" | "REGION_UNKNOWN"
  | "ENDPOINT_UNAVAILABLE" | "WIDGET_UNAVAILABLE";

/** The stable remedy actions (SPEC §5). */
export type RemedyAction =
  | "verify_identity" | "refresh_location" | "disable_anonymizer" | "fix_clock"
  | "contact_organization" | "contact_support" | "retry";

export type AttestationKind = "identity" | "location" | "organization";

/** One reason of a tier, with the values its sentence names (country codes, days, …). */
export interface Reason {
  code: ReasonCode;
  params: { [name: string]: string | number | string[] };
}

export interface Remedy {
  action: RemedyAction;
  /** The policy's link for the action, when it has one. */
  url: string | null;
}

/** Sentences in the report's language: what the element shows. */
export interface Explanation {
  lang: string;
  headline: string;
  /** One sentence per reason a person needs to read, in reading order. */
  items: string[];
  /** One sentence per remedy, in the order of the tier's `remedies`. */
  remedies: string[];
  /** Sentences shown beside the decision, not as its reasons (a device clock that is off while access is granted). */
  notices: string[];
}

export interface TierReport {
  id: string;
  label: string;
  outcome: Outcome;
  reasons: Reason[];
  remedies: Remedy[];
  explanation: Explanation;
}

export interface TokenReport {
  index: number;
  kind: AttestationKind | null;
  iss: string | null;
  kid: string | null;
  alg: string | null;
  /** Only once the signature was verified: unsigned numbers are not facts. */
  iat: number | null;
  exp: number | null;
  status: "accepted" | "rejected";
  code: ReasonCode | null;
  /** Whether the decision used this token. */
  used: boolean;
  /** Where the problem is (a claim's path), or why a signature could not be checked. */
  detail: string | null;
}

export interface CheckReport {
  tier: string;
  /** The test's place in the policy, e.g. `all[0].any[0].identity.us_person`. */
  path: string;
  result: "true" | "false" | "unknown";
  code: ReasonCode;
}

export interface ClockReport {
  now: number;
  server_time: number | null;
  skew_seconds: number | null;
  leeway_seconds: number;
}

/** What `replay` adds: what the user's browser reported, and whether it was re-derived. */
export interface ReplayInfo {
  policy_given: boolean;
  policy_changed: boolean;
  rederived: boolean;
  recorded_policy_version: string;
  recorded_outcomes: { tier: string; outcome: Outcome }[];
  reported: TierReport[];
  detail: "full" | "no_messages" | "few_reasons" | "outcomes_only";
  widget_version: string;
  subject_hash: string | null;
}

/** The report (SPEC §5): the same snake_case keys as its JSON. */
export interface Report {
  outcome: Outcome;
  tier: string;
  tiers: TierReport[];
  tokens: TokenReport[];
  checks: CheckReport[];
  explanation: Explanation;
  /** Seconds since the epoch; the element re-evaluates then by itself. */
  valid_until: number | null;
  clock: ClockReport;
  policy_version: string;
  support_code: string;
  error: { code: ReasonCode; message: string } | null;
  replay: ReplayInfo | null;
}

/** A requirement of a tier (SPEC §3). */
export type Requirement =
  | { all: Requirement[] }
  | { any: Requirement[] }
  | { not: Requirement }
  | { identity: IdentityTest }
  | { location: LocationTest }
  | { organization: OrganizationTest };

export interface IdentityTest {
  us_person?: ("citizen" | "national" | "permanent_resident" | "protected_individual" | "none")[];
  min_ial?: 1 | 2 | 3;
  max_age_days?: number;
  citizenship_any_of?: string[];
  citizenship_none_of?: string[];
}

export interface LocationTest {
  countries_in?: string[];
  countries_not_in?: string[];
  regions_not_in?: string[];
  anonymizers?: ("none" | "vpn" | "tor" | "relay" | "hosting")[];
}

export interface OrganizationTest {
  entities?: ("us_entity" | "foreign_subsidiary" | "foreign_entity")[];
  authorization_for_tier?: boolean;
  not_restricted_party?: boolean;
}

/** A public JWK (never private members). */
export interface Jwk {
  kty: "EC" | "OKP" | "RSA";
  kid?: string;
  alg?: string;
  use?: "sig";
  key_ops?: string[];
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export interface Issuer {
  iss: string;
  kinds: AttestationKind[];
  algorithms: ("ES256" | "EdDSA" | "Ed25519" | "RS256" | "PS256")[];
  max_token_age_seconds?: number;
  jwks?: { keys: Jwk[] };
  jwks_uri?: string;
}

export interface Tier {
  id: string;
  label?: { [lang: string]: string };
  models?: string[];
  require: Requirement;
}

/** The policy document (SPEC §3). */
export interface PolicyDocument {
  version: string;
  audience: string;
  leeway_seconds?: number;
  issuers: Issuer[];
  tiers: Tier[];
  links?: { [action: string]: string | { [tier: string]: string } };
  messages?: { [lang: string]: { [code: string]: string } };
}

/** What `compiled.evaluate` takes: `evaluate`'s input without the policy. */
export interface CompiledInput {
  /** Compact JWS attestation tokens. */
  tokens?: string[];
  /** The tier asked about; the policy's first when absent. */
  tier?: string;
  /** Evaluate as if the clock said this (seconds since the epoch); the device clock otherwise. */
  now?: number;
  /** A trusted time, e.g. from an HTTP `Date` header (seconds). */
  server_time?: number;
  nonce?: string;
  lang?: string;
  /** JWKS documents fetched from issuers' `jwks_uri`s: `{ [jwks_uri]: JWKS or its text }`. */
  jwks?: { [jwksUri: string]: { keys: Jwk[] } | string };
}

/** What `evaluate` takes (SPEC §7). */
export interface EvaluateInput extends CompiledInput {
  /** The policy document, or its JSON text. */
  policy: PolicyDocument | string;
}

export interface ReplayOptions {
  /** Re-derive the decision under this policy (and say whether it changed). */
  policy?: PolicyDocument | string;
  /** Show it in this language instead of the user's. */
  lang?: string;
}

/**
 * `replay(supportCode, { policy?, lang? })` → the report the code's user saw (SPEC §6, §7).
 * Throws an `Error` for a damaged or foreign code, or an invalid `policy`.
 */
export function replay(supportCode: string, options?: ReplayOptions): Report;

/** `access-check:error`'s detail. */
export interface AccessCheckErrorDetail {
  code: ReasonCode;
  message: string;
}

/** The `<access-check>` element (SPEC §7). */
export interface AccessCheckElement extends HTMLElement {
  /** The latest report, or null before the first decision. */
  readonly report: Report | null;
  /**
   * A promise of the current decision, or of the next one if none was made yet (so a reader
   * that comes late, like a React effect, never misses it). Rejects when the element shows a
   * site problem instead of a decision.
   */
  readonly decided: Promise<Report>;
  /**
   * The policy as an object, its JSON text, or a `compile()`d policy; wins over the `policy`
   * attribute. A URL or `#id` string given here is set as the attribute. `null`: the attribute.
   */
  policy: PolicyDocument | CompiledPolicy | string | null;
  /** Adds one attestation token (kept in memory only) and re-evaluates. */
  addToken(jws: string): void;
  /** Fetches again what can be fetched, re-evaluates, and resolves with the report. */
  refresh(): Promise<Report | null>;
  /** The support code of the latest decision. */
  supportCode(): string | undefined;
  /** Shows the decision a support code holds, exactly as its user saw it (read-only). */
  replay(code: string): void;
  addEventListener<K extends keyof AccessCheckElementEventMap>(
    type: K,
    listener: (this: AccessCheckElement, event: AccessCheckElementEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof AccessCheckElementEventMap>(
    type: K,
    listener: (this: AccessCheckElement, event: AccessCheckElementEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

/** The element's events (bubbling, composed). */
export interface AccessCheckElementEventMap extends HTMLElementEventMap {
  "access-check:decision": CustomEvent<Report>;
  "access-check:error": CustomEvent<AccessCheckErrorDetail>;
}

declare global {
  interface HTMLElementTagNameMap {
    "access-check": AccessCheckElement;
  }
  interface HTMLElementEventMap {
    "access-check:decision": CustomEvent<Report>;
    "access-check:error": CustomEvent<AccessCheckErrorDetail>;
  }
}
