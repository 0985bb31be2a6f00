//! The whole pipeline: tokens + policy + clock → [`Report`]. The browser, the CLI and the server
//! all call [`check`]; support-code replay calls [`replay`], which shares the last half.
//!
//! Outcomes never depend on token order: each token is verified on its own, bindings and the
//! "latest `iat` wins" choice use orderings of the tokens' signed contents, and rejections are
//! summarised by the most advanced failure.

use crate::core::codes::{Action, Code};
use crate::core::explain::{explain, framing, Catalogue, Overrides, TierFacts};
use crate::core::facts::{Facts, Kind};
use crate::core::fields::FieldError;
use crate::core::policy::evaluate::{evaluate_tier, missing_code, Evidence, Outcome, Reason};
use crate::core::policy::keys::{FetchedJwks, KeyRing};
use crate::core::policy::Policy;
use crate::core::remedy;
use crate::core::report::{CheckReport, ClockReport, ReplayInfo, Report, ReportError, TierReport, TokenReport};
use crate::core::support::{self, Detail, MessageKey, RecordedError, SupportRecord, TierRecord, TokenRecord};
use crate::core::token::jwk::Key;
use crate::core::token::signature::SignatureVerifier;
use crate::core::token::{self, Clock, Rejection, VerifiedAttestation};

/// Most tokens one evaluation accepts (SECURITY.md rule 1).
pub const MAX_TOKENS: usize = 8;

/// The widget's version, recorded in support codes.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One evaluation's input besides the policy.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub tokens: Vec<String>,
    /// The tier the caller asks about; the policy's first when `None`.
    pub tier: Option<String>,
    /// The device clock, seconds since the epoch.
    pub now: u64,
    /// A trusted time, e.g. from an HTTP `Date` header; used instead of `now` when given.
    pub server_time: Option<u64>,
    /// When given, every token must carry this `nonce`.
    pub nonce: Option<String>,
    pub lang: String,
    /// JWKS documents the caller fetched from issuers' `jwks_uri`s.
    pub fetched_jwks: Vec<FetchedJwks>,
    /// The device time each token (by index) was received, for a caller that holds tokens
    /// while time passes (the element); a token without one was received at `now`. Only a
    /// short-lived token that already looked long expired when it arrived points at the
    /// device clock (`CLOCK_SKEW_SUSPECTED`), not one that ran out while the page stayed open.
    pub received_at: Vec<u64>,
}

/// Accepted verifications kept between evaluations (the server's token cache). Only accepted
/// tokens are stored; every use re-checks the token's times against the clock, since nothing
/// else about a verification depends on it. Keys are [`cache_key`]s: they change with the
/// policy and with the keys fetched for it, so a removed key can never be served from the cache.
pub trait VerificationCache {
    /// False for a cache that keeps nothing: then no key is computed.
    fn enabled(&self) -> bool {
        true
    }
    fn get(&self, key: &[u8; 32]) -> Option<VerifiedAttestation>;
    fn put(&self, key: [u8; 32], attestation: VerifiedAttestation);
}

/// No cache: every token is verified.
pub struct NoCache;

impl VerificationCache for NoCache {
    fn enabled(&self) -> bool {
        false
    }
    fn get(&self, _key: &[u8; 32]) -> Option<VerifiedAttestation> {
        None
    }
    fn put(&self, _key: [u8; 32], _attestation: VerifiedAttestation) {}
}

/// What a token's cached verification is filed under: SHA-256 of the policy's hash, the
/// fetched key documents and the token.
pub fn cache_key(policy: &Policy, fetched: &[FetchedJwks], token: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(b"access-check/verified/v1\0");
    hash.update(policy.hash);
    for document in fetched {
        hash.update((document.uri.len() as u64).to_be_bytes());
        hash.update(document.uri.as_bytes());
        hash.update((document.text.len() as u64).to_be_bytes());
        hash.update(document.text.as_bytes());
    }
    hash.update(token.as_bytes());
    hash.finalize().into()
}

/// What became of one token in this evaluation.
enum TokenState {
    Accepted(VerifiedAttestation),
    Rejected(Rejection),
}

/// Checks `request` against `policy`.
///
/// # Example
/// ```
/// use access_check::core::{check::{check, Request}, policy::Policy};
/// let policy = Policy::parse(r#"{"version": "1", "audience": "https://app.example",
///   "issuers": [{"iss": "https://edge.example", "kinds": ["location"], "algorithms": ["ES256"],
///                "jwks_uri": "https://edge.example/jwks.json"}],
///   "tiers": [{"id": "standard", "require": {"location": {"countries_not_in": ["KP"]}}}]}"#).unwrap();
/// let report = check(&policy, &Request { now: 1_800_000_000, lang: "en".into(), ..Request::default() });
/// // No JWKS was fetched from the issuer's `jwks_uri` (pass it in `Request::fetched_jwks`), so
/// // no location token could be checked: a problem of the site, not of the user.
/// assert_eq!(report.outcome.as_str(), "error");
/// assert_eq!(report.tiers[0].reasons[0].code.as_str(), "KEYS_UNAVAILABLE");
/// ```
#[cfg(not(target_arch = "wasm32"))]
pub fn check(policy: &Policy, request: &Request) -> Report {
    check_cached(policy, request, &NoCache)
}

/// [`check`], taking accepted verifications from `cache` and keeping new ones there.
#[cfg(not(target_arch = "wasm32"))]
pub fn check_cached(policy: &Policy, request: &Request, cache: &dyn VerificationCache) -> Report {
    check_with(policy, request, cache, token::signature::default_verifier())
}

/// [`check_cached`] with the signature arithmetic left to `verifier` (every other rule is
/// applied here, whatever the verifier).
pub fn check_with(
    policy: &Policy,
    request: &Request,
    cache: &dyn VerificationCache,
    verifier: &dyn SignatureVerifier,
) -> Report {
    let pending = begin(policy, request, cache, None);
    let verdicts: Vec<Verdict> = pending
        .signature_checks()
        .iter()
        .map(|check| Verdict::from(verifier.verify(check.key, check.signing_input, check.signature)))
        .collect();
    pending.finish(&verdicts)
}

/// What the signature arithmetic answered for one [`SignatureCheck`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Invalid,
    /// It could not be checked here (a browser whose WebCrypto lacks the algorithm): the
    /// token is refused as `KEYS_UNAVAILABLE` with this explanation, so the decision is `error`
    /// where it needed the token, never a grant and never the user's fault.
    Unverifiable(String),
}

impl From<bool> for Verdict {
    fn from(valid: bool) -> Verdict {
        if valid {
            Verdict::Valid
        } else {
            Verdict::Invalid
        }
    }
}

/// One signature the decision needs checked: does `signature` verify `signing_input` under
/// `key`? Every strictness rule has passed already; only the arithmetic is left.
pub struct SignatureCheck<'a> {
    pub key: &'a Key,
    pub signing_input: &'a [u8],
    pub signature: &'a [u8],
}

/// An evaluation waiting for its signature checks ([`begin`]): everything before the arithmetic
/// is done; [`Pending::finish`] does everything after. The core stays free of async and I/O; a
/// caller with an asynchronous verifier (the browser's WebCrypto) runs the checks in between,
/// concurrently.
pub struct Pending<'a> {
    policy: &'a Policy,
    request: Request,
    clock: Clock,
    cache: &'a dyn VerificationCache,
    ring: Ring<'a>,
    slots: Vec<Slot>,
}

/// The key ring: the caller's (a compiled policy's), or built from the request when first needed
/// (on a warm cache no key is parsed at all).
enum Ring<'a> {
    Given(&'a KeyRing),
    Lazy(std::cell::OnceCell<KeyRing>),
}

/// One token of a pending evaluation.
enum Slot {
    Done(TokenState),
    /// `clock` is the one this token is judged by (with when it was received).
    Awaiting {
        token: token::AwaitingSignature,
        cache_key: Option<[u8; 32]>,
        clock: Clock,
    },
}

/// Starts checking `request` against `policy`: every check before signature arithmetic. `ring`
/// is the policy's key ring with the request's fetched JWKS when the caller keeps one (a
/// compiled policy); otherwise it is built from the request.
pub fn begin<'a>(
    policy: &'a Policy,
    request: &Request,
    cache: &'a dyn VerificationCache,
    ring: Option<&'a KeyRing>,
) -> Pending<'a> {
    let request = clamped(request);
    let clock = Clock {
        now: request.server_time.unwrap_or(request.now),
        leeway: policy.leeway_seconds,
        server_time_known: request.server_time.is_some(),
        received: request.now,
    };
    let ring = match ring {
        Some(ring) => Ring::Given(ring),
        None => Ring::Lazy(std::cell::OnceCell::new()),
    };
    let mut pending = Pending { policy, request, clock, cache, ring, slots: Vec::new() };
    pending.slots = if pending.request.tokens.len() > MAX_TOKENS {
        // All or nothing: keeping "the first eight" would make the outcome depend on order.
        // The report lists one more than the limit, never all of them: a body of 80,000 empty
        // tokens must not become a report 50 times its size.
        let refused =
            || Rejection { code: Code::TooManyTokens, summary: Default::default(), detail: None, clock_suspect: false };
        (0..support::MAX_TOKEN_RECORDS).map(|_| Slot::Done(TokenState::Rejected(refused()))).collect()
    } else {
        let slots = pending.request.tokens.iter().enumerate().map(|(index, raw)| {
            pending.slot(raw, Clock { received: request_received(&pending.request, index), ..pending.clock })
        });
        slots.collect()
    };
    pending
}

/// When the token at `index` was received: as the caller says, never after `now`.
fn request_received(request: &Request, index: usize) -> u64 {
    request.received_at.get(index).map_or(request.now, |&at| at.min(request.now))
}

impl<'a> Pending<'a> {
    fn ring(&self) -> &KeyRing {
        match &self.ring {
            Ring::Given(ring) => ring,
            Ring::Lazy(cell) => cell.get_or_init(|| KeyRing::new(self.policy, &self.request.fetched_jwks)),
        }
    }

    fn slot(&self, raw: &str, clock: Clock) -> Slot {
        let cache_key = self.cache.enabled().then(|| cache_key(self.policy, &self.request.fetched_jwks, raw));
        if let Some(cached) = cache_key.and_then(|key| self.cache.get(&key)) {
            return Slot::Done(match cached.check_time(clock) {
                Ok(()) => TokenState::Accepted(cached),
                Err(rejection) => TokenState::Rejected(rejection),
            });
        }
        match token::prepare_attestation(raw, self.policy, self.ring()) {
            Ok(token) => Slot::Awaiting { token, cache_key, clock },
            Err(rejection) => Slot::Done(TokenState::Rejected(rejection)),
        }
    }

    /// The signatures to check, in token order; [`Pending::finish`] takes their verdicts in the
    /// same order.
    pub fn signature_checks(&self) -> Vec<SignatureCheck<'_>> {
        self.slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Awaiting { token, .. } => Some(SignatureCheck {
                    key: token.key(),
                    signing_input: token.signing_input(),
                    signature: token.signature(),
                }),
                Slot::Done(_) => None,
            })
            .collect()
    }

    /// The decision, given the verdict of each of [`Pending::signature_checks`] in order. A
    /// verdict that is missing counts as "does not verify": never a grant by omission.
    pub fn finish(mut self, verdicts: &[Verdict]) -> Report {
        let (policy, cache) = (self.policy, self.cache);
        let slots = std::mem::take(&mut self.slots);
        let mut verdicts = verdicts.iter();
        let states: Vec<TokenState> = slots
            .into_iter()
            .map(|slot| match slot {
                Slot::Done(state) => state,
                Slot::Awaiting { token, cache_key, clock } => {
                    let finished = match verdicts.next() {
                        Some(Verdict::Unverifiable(why)) => Err(token.unverifiable(why)),
                        verdict => token.finish(verdict == Some(&Verdict::Valid), &policy.audience, clock),
                    };
                    match finished {
                        Ok(attestation) => {
                            if let Some(key) = cache_key {
                                cache.put(key, attestation.clone());
                            }
                            TokenState::Accepted(attestation)
                        }
                        Err(rejection) => TokenState::Rejected(rejection),
                    }
                }
            })
            .collect();
        decide_tokens(policy, &self.request, self.ring(), states)
    }
}

/// The decision once every token is accepted or rejected: bindings, the latest token of each
/// kind, the policy's tiers, the report and its support code.
fn decide_tokens(policy: &Policy, request: &Request, ring: &KeyRing, mut states: Vec<TokenState>) -> Report {
    if let Some(nonce) = &request.nonce {
        bind(&mut states, Code::NonceMismatch, |attestation| attestation.nonce() == Some(nonce.as_str()));
    }
    if let Some(anchor) = subject_anchor(&states) {
        bind(&mut states, Code::SubjectMismatch, |attestation| attestation.sub() == anchor);
    }
    let used = winners(&states);
    let absent = |kind| if ring.can_verify(policy, kind) { missing_code(kind) } else { Code::KeysUnavailable };
    let evidence = Evidence {
        identity: facts_of(&states, &used, Kind::Identity, absent(Kind::Identity), |f| match f {
            Facts::Identity(facts) => Some(facts.clone()),
            _ => None,
        }),
        location: facts_of(&states, &used, Kind::Location, absent(Kind::Location), |f| match f {
            Facts::Location(facts) => Some(facts.clone()),
            _ => None,
        }),
        organization: facts_of(&states, &used, Kind::Organization, absent(Kind::Organization), |f| match f {
            Facts::Organization(facts) => Some(facts.clone()),
            _ => None,
        }),
    };
    let subject = used.iter().find_map(|index| match states.get(*index) {
        Some(TokenState::Accepted(attestation)) => Some(support::subject_hash(attestation.sub())),
        _ => None,
    });
    let tokens: Vec<TokenRecord> = states
        .iter()
        .enumerate()
        .map(|(index, state)| match state {
            TokenState::Accepted(attestation) => TokenRecord {
                summary: attestation.summary().clone(),
                code: None,
                used: used.contains(&index),
                clock_suspect: false,
            },
            TokenState::Rejected(rejection) => TokenRecord {
                summary: rejection.summary.clone(),
                code: Some(rejection.code),
                used: false,
                clock_suspect: rejection.clock_suspect,
            },
        })
        .collect();
    let details: Vec<Option<String>> = states
        .iter()
        .map(|state| match state {
            TokenState::Rejected(rejection) => rejection.detail.clone(),
            TokenState::Accepted(_) => None,
        })
        .collect();
    let mut record = SupportRecord {
        widget_version: VERSION.to_owned(),
        policy_version: policy.version.clone(),
        policy_hash: hash_prefix(policy),
        leeway_seconds: policy.leeway_seconds,
        now: request.now,
        server_time: request.server_time,
        tier: request.tier.clone().unwrap_or_else(|| first_tier(policy)),
        lang: Catalogue::negotiate(&request.lang).lang().to_owned(),
        subject_hash: subject,
        tokens,
        evidence,
        tiers: Vec::new(),
        error: None,
        detail: Detail::Full,
    };
    let decision = decide(policy, &mut record);
    let mut report = assemble(&record, Wording::Policy(policy), decision, None);
    for (token, detail) in report.tokens.iter_mut().zip(details) {
        token.detail = detail;
    }
    report
}

/// The request with its clocks within 0..=2^53-1, the range of every time claim and of what a
/// support code holds: later than that, every token has long expired anyway.
fn clamped(request: &Request) -> Request {
    let limit = crate::core::json::MAX_SAFE_INTEGER;
    Request { now: request.now.min(limit), server_time: request.server_time.map(|t| t.min(limit)), ..request.clone() }
}

/// The report for a policy that could not be used: `error` with `POLICY_INVALID`, never a grant.
pub fn policy_error(error: &FieldError, request: &Request) -> Report {
    site_problem(Code::PolicyInvalid, &error.to_string(), request)
}

/// The codes of a site's problem that a support code can carry instead of a decision.
pub const SITE_PROBLEMS: &[Code] = &[
    Code::PolicyInvalid,
    Code::EndpointUnavailable,
    Code::KeysUnavailable,
    Code::AttributeInvalid,
    Code::WidgetUnavailable,
];

/// The report for a site problem (`code` among [`SITE_PROBLEMS`]; anything else is recorded
/// as `POLICY_INVALID`): `error`, never a grant, with a support code that says what happened
/// and when, so an outage can be matched with the server's logs.
pub fn site_problem(code: Code, message: &str, request: &Request) -> Report {
    let code = if SITE_PROBLEMS.contains(&code) { code } else { Code::PolicyInvalid };
    let request = &clamped(request);
    let record = SupportRecord {
        widget_version: VERSION.to_owned(),
        policy_version: String::new(),
        policy_hash: [0; 8],
        leeway_seconds: 0,
        now: request.now,
        server_time: request.server_time,
        tier: request.tier.clone().unwrap_or_default(),
        lang: Catalogue::negotiate(&request.lang).lang().to_owned(),
        subject_hash: None,
        tokens: Vec::new(),
        evidence: Evidence { identity: Err(code), location: Err(code), organization: Err(code) },
        tiers: Vec::new(),
        error: Some(RecordedError { code, message: message.to_owned() }),
        detail: Detail::Full,
    };
    assemble(&record, Wording::Recorded { lang: &record.lang, rules: None }, Decision::default(), None)
}

/// Why a support code cannot be replayed.
pub type ReplayError = support::SupportCodeError;

/// Rebuilds what a support code's user saw, and, given a policy, re-derives the decision from
/// the recorded facts under it.
///
/// The report's `replay` says which is which: `replay.reported` is what the user's browser
/// reported (outcomes, reasons and their sentences); the report's own tiers are the decision
/// re-derived under `policy`, or, without one, the reported decision again. A code is the
/// user's claim: when `policy` is the one the code was made under and the re-derived decision
/// differs from the reported one, the code is refused.
///
/// # Errors
/// The code's own problem, in words for the support agent.
pub fn replay(code: &str, policy: Option<&Policy>, lang: Option<&str>) -> Result<Report, ReplayError> {
    let record = support::decode(code)?;
    let recorded_lang = record.lang.clone();
    let shown_lang = lang.map_or_else(|| recorded_lang.clone(), |lang| Catalogue::negotiate(lang).lang().to_owned());
    let reported_record = SupportRecord { lang: shown_lang.clone(), ..record.clone() };
    let policy_changed = policy.is_some_and(|policy| hash_prefix(policy) != record.policy_hash);
    let rules = policy.filter(|_| !policy_changed);
    let reported =
        assemble(&reported_record, Wording::Recorded { lang: &recorded_lang, rules }, Decision::default(), None);
    let rederive = policy.filter(|_| record.error.is_none());
    let (shown, wording, decision) = match rederive {
        Some(policy) => {
            let mut derived = SupportRecord { leeway_seconds: policy.leeway_seconds, ..record.clone() };
            let first = decide(policy, &mut derived);
            if !policy_changed && support::shorten(&derived, record.detail).tiers != record.tiers {
                return Err(support::SupportCodeError(
                    "the support code contradicts itself: its recorded decision is not what its facts give under the \
                     policy it names",
                ));
            }
            let decision = if shown_lang == derived.lang {
                first
            } else {
                derived.lang = shown_lang;
                decide(policy, &mut derived)
            };
            (derived, Wording::Policy(policy), decision)
        }
        None => (reported_record, Wording::Recorded { lang: &recorded_lang, rules }, Decision::default()),
    };
    let info = ReplayInfo {
        policy_given: policy.is_some(),
        policy_changed,
        rederived: rederive.is_some(),
        recorded_policy_version: record.policy_version.clone(),
        recorded_outcomes: record.tiers.iter().map(|tier| (tier.id.clone(), tier.outcome)).collect(),
        reported: reported.tiers,
        detail: record.detail,
        widget_version: record.widget_version.clone(),
        subject_hash: record.subject_hash.map(|hash| support::hex(&hash)),
    };
    Ok(assemble(&shown, wording, decision, Some(info)))
}

fn hash_prefix(policy: &Policy) -> [u8; 8] {
    let mut prefix = [0u8; 8];
    prefix.iter_mut().zip(policy.hash.iter()).for_each(|(p, h)| *p = *h);
    prefix
}

fn first_tier(policy: &Policy) -> String {
    policy.tiers.first().map(|tier| tier.id.clone()).unwrap_or_default()
}

/// Rejects every accepted token that fails `holds`.
fn bind(states: &mut [TokenState], code: Code, holds: impl Fn(&VerifiedAttestation) -> bool) {
    for state in states.iter_mut() {
        if let TokenState::Accepted(attestation) = state {
            if !holds(attestation) {
                let placeholder = TokenState::Rejected(Rejection {
                    code,
                    summary: Default::default(),
                    detail: None,
                    clock_suspect: false,
                });
                if let TokenState::Accepted(attestation) = std::mem::replace(state, placeholder) {
                    *state = TokenState::Rejected(attestation.reject(code));
                }
            }
        }
    }
}

/// The latest accepted token of `kind` (ties broken by payload bytes, never by position).
fn latest(states: &[TokenState], kind: Kind) -> Option<(usize, &VerifiedAttestation)> {
    states
        .iter()
        .enumerate()
        .filter_map(|(index, state)| match state {
            TokenState::Accepted(attestation) if attestation.kind() == kind => Some((index, attestation)),
            _ => None,
        })
        .max_by(|(_, a), (_, b)| a.recency().cmp(&b.recency()))
}

/// The subject every token must share: the identity token's, then organization's, then
/// location's (SPEC §2).
fn subject_anchor(states: &[TokenState]) -> Option<String> {
    [Kind::Identity, Kind::Organization, Kind::Location]
        .into_iter()
        .find_map(|kind| latest(states, kind).map(|(_, attestation)| attestation.sub().to_owned()))
}

/// Indexes of the tokens chosen for their kinds.
fn winners(states: &[TokenState]) -> Vec<usize> {
    Kind::ALL.iter().filter_map(|kind| latest(states, *kind).map(|(index, _)| index)).collect()
}

/// The facts of `kind`, or the code that explains their absence: the most advanced rejection
/// of a token of that kind, else `absent` ("missing", or `KEYS_UNAVAILABLE` when no issuer of
/// the kind has keys to check one with).
fn facts_of<T>(
    states: &[TokenState],
    used: &[usize],
    kind: Kind,
    absent: Code,
    pick: impl Fn(&Facts) -> Option<T>,
) -> Result<T, Code> {
    let chosen = used.iter().find_map(|index| match states.get(*index) {
        Some(TokenState::Accepted(attestation)) if attestation.kind() == kind => pick(attestation.facts()),
        _ => None,
    });
    if let Some(facts) = chosen {
        return Ok(facts);
    }
    let rejection = states
        .iter()
        .filter_map(|state| match state {
            TokenState::Rejected(rejection)
                if rejection.summary.kind == Some(kind) || rejection.code == Code::TooManyTokens =>
            {
                Some(rejection.code)
            }
            _ => None,
        })
        .max();
    Err(rejection.unwrap_or(absent))
}

/// What deciding every tier gives besides the tier records.
#[derive(Default)]
struct Decision {
    checks: Vec<CheckReport>,
    /// The earliest expiry of a time-bound fact some tier relied on.
    valid_until: Option<u64>,
}

/// Evaluates every tier of `policy` from the record's evidence and clock; stores the tier
/// outcomes, reasons and wording (label, message overrides) in the record.
fn decide(policy: &Policy, record: &mut SupportRecord) -> Decision {
    let now = support::judged_at(record);
    let clock_reasons = support::clock_reasons(record);
    let catalogue_lang = Catalogue::negotiate(&record.lang).lang().to_owned();
    let mut decision = Decision::default();
    record.tiers = policy
        .tiers
        .iter()
        .map(|tier| {
            let evaluated = evaluate_tier(tier, &record.evidence, now, record.leeway_seconds);
            decision.checks.extend(evaluated.checks.into_iter().map(|check| CheckReport {
                tier: tier.id.clone(),
                path: check.path,
                result: check.result,
                code: check.code,
            }));
            decision.valid_until = earliest(decision.valid_until, evaluated.valid_until);
            let mut reasons = evaluated.reasons;
            reasons.extend(clock_reasons.iter().cloned());
            let label = Some(tier.label_in(&catalogue_lang)).filter(|label| *label != tier.id).map(str::to_owned);
            let messages = overrides_used(policy, &catalogue_lang, &tier.id, &reasons);
            TierRecord { id: tier.id.clone(), outcome: evaluated.outcome, reasons, label, messages }
        })
        .collect();
    decision
}

fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The policy's texts that replace a sentence this tier shows, so a support code can carry them.
fn overrides_used(policy: &Policy, lang: &str, tier: &str, reasons: &[Reason]) -> Vec<(MessageKey, String)> {
    let codes = reasons.iter().map(|reason| MessageKey::Reason(reason.code));
    let actions = reasons.iter().filter_map(remedy::action_for).map(MessageKey::Remedy);
    let mut out: Vec<(MessageKey, String)> = Vec::new();
    for key in codes.chain(actions) {
        if out.iter().any(|(known, _)| *known == key) {
            continue;
        }
        if let Some(text) = policy.message(lang, tier, key.as_str()) {
            out.push((key, text.to_owned()));
        }
    }
    out
}

/// Where labels, links and message overrides come from: the policy, or the support code.
#[derive(Clone, Copy)]
enum Wording<'a> {
    Policy(&'a Policy),
    /// The record's own labels and overrides, which were recorded in `lang`; `rules` is the
    /// policy the code was made under when the caller has it (same hash), whose rules' shape
    /// (either/or) arranged what the user read.
    Recorded {
        lang: &'a str,
        rules: Option<&'a Policy>,
    },
}

/// Message overrides carried in a support code.
struct RecordedOverrides<'a> {
    lang: &'a str,
    tiers: &'a [TierRecord],
}

impl Overrides for RecordedOverrides<'_> {
    fn message(&self, lang: &str, tier: &str, key: &str) -> Option<&str> {
        if lang != self.lang {
            return None;
        }
        let tier = self.tiers.iter().find(|record| record.id == tier)?;
        tier.messages.iter().find(|(known, _)| known.as_str() == key).map(|(_, text)| text.as_str())
    }
}

/// Builds the report from a record: the one place live checks and replays meet.
fn assemble(record: &SupportRecord, wording: Wording<'_>, decision: Decision, replay: Option<ReplayInfo>) -> Report {
    let recorded = match wording {
        Wording::Recorded { lang, .. } => Some(RecordedOverrides { lang, tiers: &record.tiers }),
        Wording::Policy(_) => None,
    };
    let overrides: Option<&dyn Overrides> = match (&wording, &recorded) {
        (Wording::Policy(policy), _) => Some(*policy),
        (_, Some(recorded)) => Some(recorded),
        _ => None,
    };
    let (policy, rules) = match wording {
        Wording::Policy(policy) => (Some(policy), Some(policy)),
        Wording::Recorded { rules, .. } => (None, rules),
    };
    // What the explanation needs of the whole decision: which refused checks a fresh token
    // could not put right while the clock is suspected (the token pointed at the clock, or it
    // is short-lived, so a fresh one would be out of time on this clock too), and what old or
    // weak proofing says the user is.
    let clock_suspected = record.tokens.iter().any(|token| token.clock_suspect);
    let short_lived = |summary: &token::TokenSummary| match (summary.iat, summary.exp) {
        (Some(iat), Some(exp)) => token::short_lived(iat, exp),
        _ => false,
    };
    let clock_suspect_kinds: Vec<&str> = record
        .tokens
        .iter()
        .filter(|token| token.code.is_some())
        .filter(|token| token.clock_suspect || (clock_suspected && short_lived(&token.summary)))
        .filter_map(|token| token.summary.kind.map(|kind| kind.as_str()))
        .collect();
    let context = framing::Context {
        either: true,
        clock_suspect_kinds: &clock_suspect_kinds,
        proofing_says_not_us_person: record
            .evidence
            .identity
            .as_ref()
            .is_ok_and(|identity| identity.us_person.as_str() == "none"),
    };
    let tiers: Vec<TierReport> = record
        .tiers
        .iter()
        .map(|tier| {
            let label = match policy {
                Some(policy) => policy.tier(&tier.id).map(|t| t.label_in(&record.lang).to_owned()),
                None => tier.label.clone(),
            }
            .unwrap_or_else(|| tier.id.clone());
            let links = policy.map(|policy| policy.links_for(&tier.id)).unwrap_or_default();
            // Without the rules the code was made under, the rule's shape is unknown: a replay
            // of a code whose tier needed identity and the organization alike is read as the
            // either/or the shipped rules make it.
            let either = match rules {
                Some(rules) => rules.tier(&tier.id).is_some_and(|t| framing::identity_or_organization(&t.require)),
                None => true,
            };
            let facts = framing::Context { either, ..context };
            let framed = framing::frame(&tier.reasons, tier.outcome, &facts);
            let remedies = remedy::remedies(&framed.remedy_reasons, &links);
            let actions: Vec<_> = remedies.iter().map(|remedy| remedy.action).collect();
            let explanation = explain(
                &TierFacts {
                    id: &tier.id,
                    label: &label,
                    outcome: tier.outcome,
                    reasons: &framed.items,
                    actions: &actions,
                    remedy_reasons: &framed.remedy_reasons,
                    notices: &framed.notices,
                    alternative: framed.alternative,
                },
                &record.lang,
                overrides,
            );
            TierReport {
                id: tier.id.clone(),
                label,
                outcome: tier.outcome,
                reasons: tier.reasons.clone(),
                remedies,
                explanation,
            }
        })
        .collect();
    let (outcome, explanation, error) = match (&record.error, tiers.iter().find(|tier| tier.id == record.tier)) {
        (Some(error), _) => {
            let label = Catalogue::negotiate(&record.lang).value("generic", "tier");
            let reasons = [Reason::new(error.code)];
            let explanation = explain(
                &TierFacts::plain(&record.tier, &label, Outcome::Error, &reasons, &[Action::ContactSupport]),
                &record.lang,
                None,
            );
            (Outcome::Error, explanation, Some(ReportError { code: error.code, message: error.message.clone() }))
        }
        (None, Some(tier)) => (tier.outcome, tier.explanation.clone(), None),
        (None, None) => {
            let message = format!(
                "the policy has no tier {:?} (it has: {})",
                record.tier,
                tiers.iter().map(|tier| tier.id.as_str()).collect::<Vec<_>>().join(", ")
            );
            let reasons = [Reason::new(Code::TierUnknown)];
            let explanation = explain(
                &TierFacts::plain(&record.tier, &record.tier, Outcome::Error, &reasons, &[]),
                &record.lang,
                overrides,
            );
            (Outcome::Error, explanation, Some(ReportError { code: Code::TierUnknown, message }))
        }
    };
    let tokens = record
        .tokens
        .iter()
        .enumerate()
        .map(|(index, token)| TokenReport {
            index,
            summary: token.summary.clone(),
            code: token.code,
            used: token.used,
            detail: None,
        })
        .collect();
    let token_expiry = record.tokens.iter().filter(|token| token.used).filter_map(|token| token.summary.exp).min();
    Report {
        outcome,
        tier: record.tier.clone(),
        tiers,
        tokens,
        checks: decision.checks,
        explanation,
        valid_until: earliest(token_expiry, decision.valid_until),
        clock: ClockReport {
            now: record.now,
            server_time: record.server_time,
            skew_seconds: support::skew_seconds(record),
            leeway_seconds: record.leeway_seconds,
        },
        policy_version: policy.map(|policy| policy.version.clone()),
        support_code: support::encode(record),
        error,
        replay,
        subject_hash: record.subject_hash,
    }
}
