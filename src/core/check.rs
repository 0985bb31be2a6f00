//! The whole pipeline: tokens + policy + clock → [`Report`]. The browser, the CLI and the server
//! all call [`check`]; support-code replay calls [`replay`], which shares the last half.
//!
//! Outcomes never depend on token order: each token is verified on its own, bindings and the
//! "latest `iat` wins" choice use orderings of the tokens' signed contents, and rejections are
//! summarised by the most advanced failure.

use crate::core::codes::Code;
use crate::core::explain::{explain, Catalogue, TierFacts};
use crate::core::facts::Kind;
use crate::core::fields::FieldError;
use crate::core::policy::evaluate::{evaluate_tier, missing_code, Evidence, Outcome, Reason};
use crate::core::policy::keys::{FetchedJwks, KeyRing};
use crate::core::policy::Policy;
use crate::core::remedy;
use crate::core::report::{CheckReport, ClockReport, ReplayInfo, Report, ReportError, TierReport, TokenReport};
use crate::core::support::{self, SupportRecord, TierRecord, TokenRecord};
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
/// assert_eq!(report.outcome.as_str(), "action_required");
/// assert_eq!(report.tiers[0].reasons[0].code.as_str(), "LOCATION_MISSING");
/// ```
pub fn check(policy: &Policy, request: &Request) -> Report {
    let clock = Clock {
        now: request.server_time.unwrap_or(request.now),
        leeway: policy.leeway_seconds,
        server_time_known: request.server_time.is_some(),
    };
    let ring = KeyRing::new(policy, &request.fetched_jwks);
    let mut states: Vec<TokenState> = if request.tokens.len() > MAX_TOKENS {
        // All or nothing: keeping "the first eight" would make the outcome depend on order.
        request
            .tokens
            .iter()
            .map(|_| {
                TokenState::Rejected(Rejection {
                    code: Code::TooManyTokens,
                    summary: Default::default(),
                    detail: None,
                    clock_suspect: false,
                })
            })
            .collect()
    } else {
        request
            .tokens
            .iter()
            .map(|raw| match token::verify_attestation(raw, policy, &ring, clock) {
                Ok(attestation) => TokenState::Accepted(attestation),
                Err(rejection) => TokenState::Rejected(rejection),
            })
            .collect()
    };
    if let Some(nonce) = &request.nonce {
        bind(&mut states, Code::NonceMismatch, |attestation| attestation.nonce() == Some(nonce.as_str()));
    }
    if let Some(anchor) = subject_anchor(&states) {
        bind(&mut states, Code::SubjectMismatch, |attestation| attestation.sub() == anchor);
    }
    let used = winners(&states);
    let evidence = Evidence {
        identity: facts_of(&states, &used, Kind::Identity, |f| match f {
            crate::core::facts::Facts::Identity(facts) => Some(facts.clone()),
            _ => None,
        }),
        location: facts_of(&states, &used, Kind::Location, |f| match f {
            crate::core::facts::Facts::Location(facts) => Some(facts.clone()),
            _ => None,
        }),
        organization: facts_of(&states, &used, Kind::Organization, |f| match f {
            crate::core::facts::Facts::Organization(facts) => Some(facts.clone()),
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
    };
    let checks = decide(policy, &mut record);
    let mut report = assemble(&record, Some(policy), checks, None);
    for (token, detail) in report.tokens.iter_mut().zip(details) {
        token.detail = detail;
    }
    report
}

/// The report for a policy that could not be used: `error` with `POLICY_INVALID`, never a grant.
pub fn policy_error(error: &FieldError, request: &Request) -> Report {
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
        evidence: Evidence {
            identity: Err(Code::PolicyInvalid),
            location: Err(Code::PolicyInvalid),
            organization: Err(Code::PolicyInvalid),
        },
        tiers: Vec::new(),
    };
    let mut report = assemble(&record, None, Vec::new(), None);
    report.outcome = Outcome::Error;
    report.error = Some(ReportError { code: Code::PolicyInvalid, message: error.to_string() });
    report.explanation = explain(
        &TierFacts {
            id: &record.tier,
            label: &Catalogue::negotiate(&request.lang).value("generic", "tier"),
            outcome: Outcome::Error,
            reasons: &[Reason::new(Code::PolicyInvalid)],
            actions: &[crate::core::codes::Action::ContactSupport],
        },
        &request.lang,
        None,
    );
    report
}

/// Rebuilds the report a support code was made from. With a policy, re-decides from the
/// recorded facts under it (and says whether it differs from the user's); without one, shows
/// the recorded outcomes and reasons.
///
/// # Errors
/// The code's own problem, in words for the support agent.
pub fn replay(code: &str, policy: Option<&Policy>, lang: Option<&str>) -> Result<Report, support::SupportCodeError> {
    let mut record = support::decode(code)?;
    if let Some(lang) = lang {
        record.lang = Catalogue::negotiate(lang).lang().to_owned();
    }
    let recorded_outcomes = record.tiers.iter().map(|tier| (tier.id.clone(), tier.outcome)).collect();
    let info = ReplayInfo {
        policy_given: policy.is_some(),
        policy_changed: policy.is_some_and(|policy| hash_prefix(policy) != record.policy_hash),
        recorded_policy_version: record.policy_version.clone(),
        recorded_outcomes,
        widget_version: record.widget_version.clone(),
        subject_hash: record.subject_hash.map(|hash| support::hex(&hash)),
    };
    let checks = match policy {
        Some(policy) => {
            record.leeway_seconds = policy.leeway_seconds;
            decide(policy, &mut record)
        }
        None => Vec::new(),
    };
    Ok(assemble(&record, policy, checks, Some(info)))
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
/// of a token of that kind, else "missing".
fn facts_of<T>(
    states: &[TokenState],
    used: &[usize],
    kind: Kind,
    pick: impl Fn(&crate::core::facts::Facts) -> Option<T>,
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
    Err(rejection.unwrap_or_else(|| missing_code(kind)))
}

/// Evaluates every tier of `policy` from the record's evidence and clock; stores the tier
/// outcomes and reasons in the record and returns the checks.
fn decide(policy: &Policy, record: &mut SupportRecord) -> Vec<CheckReport> {
    let now = record.server_time.unwrap_or(record.now);
    let clock_reasons = clock_reasons(record);
    let mut checks = Vec::new();
    record.tiers = policy
        .tiers
        .iter()
        .map(|tier| {
            let decision = evaluate_tier(tier, &record.evidence, now);
            checks.extend(decision.checks.into_iter().map(|check| CheckReport {
                tier: tier.id.clone(),
                path: check.path,
                result: check.result,
                code: check.code,
            }));
            let mut reasons = decision.reasons;
            reasons.extend(clock_reasons.iter().cloned());
            TierRecord { id: tier.id.clone(), outcome: decision.outcome, reasons }
        })
        .collect();
    checks
}

/// `CLOCK_SKEW` when the device clock is off the server time by more than the leeway;
/// `CLOCK_SKEW_SUSPECTED` when, without server time, a token looked issued in the future.
fn clock_reasons(record: &SupportRecord) -> Vec<Reason> {
    let mut reasons = Vec::new();
    if let Some(skew) = skew_seconds(record) {
        if skew.unsigned_abs() > record.leeway_seconds {
            let minutes = skew.unsigned_abs().div_ceil(60);
            reasons.push(Reason::new(Code::ClockSkew).signed("skew_seconds", skew).number("skew_minutes", minutes));
        }
    }
    if record.tokens.iter().any(|token| token.clock_suspect) {
        reasons.push(Reason::new(Code::ClockSkewSuspected));
    }
    reasons
}

fn skew_seconds(record: &SupportRecord) -> Option<i64> {
    let server_time = i64::try_from(record.server_time?).ok()?;
    Some(i64::try_from(record.now).ok()? - server_time)
}

/// Builds the report from a record: the one place live checks and replays meet.
fn assemble(
    record: &SupportRecord,
    policy: Option<&Policy>,
    checks: Vec<CheckReport>,
    replay: Option<ReplayInfo>,
) -> Report {
    let tiers: Vec<TierReport> = record
        .tiers
        .iter()
        .map(|tier| {
            let label = policy
                .and_then(|policy| policy.tier(&tier.id))
                .map_or_else(|| tier.id.clone(), |t| t.label_in(&record.lang).to_owned());
            let links = policy.map(|policy| policy.links_for(&tier.id)).unwrap_or_default();
            let remedies = remedy::remedies(&tier.reasons, &links);
            let actions: Vec<_> = remedies.iter().map(|remedy| remedy.action).collect();
            let explanation = explain(
                &TierFacts {
                    id: &tier.id,
                    label: &label,
                    outcome: tier.outcome,
                    reasons: &tier.reasons,
                    actions: &actions,
                },
                &record.lang,
                policy,
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
    let requested = tiers.iter().find(|tier| tier.id == record.tier);
    let (outcome, explanation, error) = match requested {
        Some(tier) => (tier.outcome, tier.explanation.clone(), None),
        None => {
            let message = format!(
                "the policy has no tier {:?} (it has: {})",
                record.tier,
                tiers.iter().map(|tier| tier.id.as_str()).collect::<Vec<_>>().join(", ")
            );
            let reasons = [Reason::new(Code::TierUnknown)];
            let explanation = explain(
                &TierFacts {
                    id: &record.tier,
                    label: &record.tier,
                    outcome: Outcome::Error,
                    reasons: &reasons,
                    actions: &[],
                },
                &record.lang,
                policy,
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
    Report {
        outcome,
        tier: record.tier.clone(),
        tiers,
        tokens,
        checks,
        explanation,
        valid_until: record.tokens.iter().filter(|token| token.used).filter_map(|token| token.summary.exp).min(),
        clock: ClockReport {
            now: record.now,
            server_time: record.server_time,
            skew_seconds: skew_seconds(record),
            leeway_seconds: record.leeway_seconds,
        },
        policy_version: policy.map(|policy| policy.version.clone()),
        support_code: support::encode(&SupportRecord {
            tokens: record.tokens.iter().take(64).cloned().collect(),
            ..record.clone()
        }),
        error,
        replay,
    }
}
