//! The report of SPEC §5: the one contract shared by the CLI, the server and JavaScript. The
//! same snake_case keys everywhere; [`Report::to_json`] is the only serializer.

use crate::core::codes::{Action, Code};
use crate::core::explain::Explanation;
use crate::core::facts::Kind;
use crate::core::json::{object, Json};
use crate::core::policy::evaluate::{Outcome, Param, Reason, Tri};
use crate::core::token::TokenSummary;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The outcome of `tier`.
    pub outcome: Outcome,
    /// The requested tier, or the policy's first.
    pub tier: String,
    pub tiers: Vec<TierReport>,
    pub tokens: Vec<TokenReport>,
    pub checks: Vec<CheckReport>,
    /// The explanation of `tier`.
    pub explanation: Explanation,
    /// The earliest `exp` among the tokens the decision relied on.
    pub valid_until: Option<u64>,
    pub clock: ClockReport,
    pub policy_version: Option<String>,
    pub support_code: String,
    /// Set when the outcome is `error` because of the configuration (bad policy, unknown tier).
    pub error: Option<ReportError>,
    /// Set on reports rebuilt from a support code.
    pub replay: Option<ReplayInfo>,
    /// First 4 bytes of SHA-256 of the decision's `sub`, as its support code holds it (not in the
    /// JSON: the code carries it); the server's audit record keeps it.
    pub subject_hash: Option<[u8; 4]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierReport {
    pub id: String,
    pub label: String,
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
    pub remedies: Vec<Remedy>,
    pub explanation: Explanation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remedy {
    pub action: Action,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenReport {
    pub index: usize,
    pub summary: TokenSummary,
    /// `None` when accepted.
    pub code: Option<Code>,
    /// Accepted and chosen for its kind (latest `iat` wins).
    pub used: bool,
    /// Where the problem is, e.g. the claim path behind `CLAIM_INVALID`.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    pub tier: String,
    pub path: String,
    pub result: Tri,
    pub code: Code,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockReport {
    /// The device clock the caller passed.
    pub now: u64,
    pub server_time: Option<u64>,
    /// `now - server_time`, when the server time is known.
    pub skew_seconds: Option<i64>,
    pub leeway_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError {
    pub code: Code,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayInfo {
    /// Whether a current policy was given to re-decide with.
    pub policy_given: bool,
    /// The given policy differs from the one the user's decision was made with.
    pub policy_changed: bool,
    /// The report's tiers were re-derived from the recorded facts under the given policy (else
    /// they are the reported ones).
    pub rederived: bool,
    pub recorded_policy_version: String,
    /// The outcome per tier as the user saw it.
    pub recorded_outcomes: Vec<(String, Outcome)>,
    /// What the user's browser reported, tier by tier, with the sentences the user read.
    pub reported: Vec<TierReport>,
    /// How much the code left out to stay short.
    pub detail: crate::core::support::Detail,
    pub widget_version: String,
    /// First 4 bytes of SHA-256(`sub`), hex: matches server logs without revealing `sub`.
    pub subject_hash: Option<String>,
}

impl Report {
    /// The tier entry `id`.
    pub fn tier(&self, id: &str) -> Option<&TierReport> {
        self.tiers.iter().find(|tier| tier.id == id)
    }

    pub fn to_json(&self) -> Json {
        object([
            ("outcome", self.outcome.as_str().into()),
            ("tier", self.tier.as_str().into()),
            ("tiers", Json::Array(self.tiers.iter().map(TierReport::to_json).collect())),
            ("tokens", Json::Array(self.tokens.iter().map(TokenReport::to_json).collect())),
            ("checks", Json::Array(self.checks.iter().map(CheckReport::to_json).collect())),
            ("explanation", explanation_json(&self.explanation)),
            ("valid_until", self.valid_until.into()),
            ("clock", self.clock.to_json()),
            ("policy_version", self.policy_version.clone().into()),
            ("support_code", self.support_code.as_str().into()),
            ("error", self.error.as_ref().map_or(Json::Null, ReportError::to_json)),
            ("replay", self.replay.as_ref().map_or(Json::Null, ReplayInfo::to_json)),
        ])
    }
}

fn explanation_json(explanation: &Explanation) -> Json {
    let texts = |items: &[String]| Json::Array(items.iter().map(|item| item.as_str().into()).collect());
    object([
        ("lang", explanation.lang.as_str().into()),
        ("headline", explanation.headline.as_str().into()),
        ("items", texts(&explanation.items)),
        ("remedies", texts(&explanation.remedies)),
        ("notices", texts(&explanation.notices)),
    ])
}

/// `{"code": .., "params": {..}}`.
pub fn reason_json(reason: &Reason) -> Json {
    let params = reason
        .params
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Param::Text(text) => text.as_str().into(),
                Param::Number(n) => Json::from(*n),
                Param::List(items) => Json::Array(items.iter().map(|item| item.as_str().into()).collect()),
            };
            ((*name).to_owned(), value)
        })
        .collect();
    object([("code", reason.code.as_str().into()), ("params", Json::Object(params))])
}

impl TierReport {
    fn to_json(&self) -> Json {
        object([
            ("id", self.id.as_str().into()),
            ("label", self.label.as_str().into()),
            ("outcome", self.outcome.as_str().into()),
            ("reasons", Json::Array(self.reasons.iter().map(reason_json).collect())),
            ("remedies", Json::Array(self.remedies.iter().map(Remedy::to_json).collect())),
            ("explanation", explanation_json(&self.explanation)),
        ])
    }
}

impl Remedy {
    fn to_json(&self) -> Json {
        object([("action", self.action.as_str().into()), ("url", self.url.clone().into())])
    }
}

impl TokenReport {
    fn to_json(&self) -> Json {
        object([
            ("index", Json::from(self.index as u64)),
            ("kind", self.summary.kind.map(Kind::as_str).into()),
            ("iss", self.summary.iss.clone().into()),
            ("kid", self.summary.kid.clone().into()),
            ("alg", self.summary.alg.clone().into()),
            ("iat", self.summary.iat.into()),
            ("exp", self.summary.exp.into()),
            ("status", if self.code.is_none() { "accepted" } else { "rejected" }.into()),
            ("code", self.code.map(Code::as_str).into()),
            ("used", self.used.into()),
            ("detail", self.detail.clone().into()),
        ])
    }
}

impl CheckReport {
    fn to_json(&self) -> Json {
        object([
            ("tier", self.tier.as_str().into()),
            ("path", self.path.as_str().into()),
            ("result", self.result.as_str().into()),
            ("code", self.code.as_str().into()),
        ])
    }
}

impl ClockReport {
    fn to_json(self) -> Json {
        object([
            ("now", self.now.into()),
            ("server_time", self.server_time.into()),
            ("skew_seconds", self.skew_seconds.into()),
            ("leeway_seconds", self.leeway_seconds.into()),
        ])
    }
}

impl ReportError {
    fn to_json(&self) -> Json {
        object([("code", self.code.as_str().into()), ("message", self.message.as_str().into())])
    }
}

impl ReplayInfo {
    fn to_json(&self) -> Json {
        let outcomes = self
            .recorded_outcomes
            .iter()
            .map(|(tier, outcome)| object([("tier", tier.as_str().into()), ("outcome", outcome.as_str().into())]))
            .collect();
        object([
            ("policy_given", self.policy_given.into()),
            ("policy_changed", self.policy_changed.into()),
            ("rederived", self.rederived.into()),
            ("recorded_policy_version", self.recorded_policy_version.as_str().into()),
            ("recorded_outcomes", Json::Array(outcomes)),
            ("reported", Json::Array(self.reported.iter().map(TierReport::to_json).collect())),
            ("detail", self.detail.as_str().into()),
            ("widget_version", self.widget_version.as_str().into()),
            ("subject_hash", self.subject_hash.clone().into()),
        ])
    }
}
