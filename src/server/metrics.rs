//! `/metrics` in the Prometheus text format, with `prometheus-client`. Names follow the
//! Prometheus conventions: one `access_check_` prefix, base units (seconds), `_total` counters,
//! and no per-user labels (tier, outcome and reason codes are bounded sets; an `alg` the
//! verifier does not know is counted as `other`).

use crate::core::report::Report;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    pub endpoint: String,
    pub tier: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub tier: String,
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TokenLabels {
    pub alg: String,
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Result {
    pub result: String,
}

/// Every metric the service keeps.
pub struct Metrics {
    registry: Registry,
    pub decisions: Family<DecisionLabels, Counter>,
    pub reasons: Family<ReasonLabels, Counter>,
    pub tokens: Family<TokenLabels, Counter>,
    pub decision_seconds: Histogram,
    pub policy_reloads: Family<Result, Counter>,
    pub overloaded: Counter,
    pub in_flight: Gauge,
    pub jwks_fetches: Family<Result, Counter>,
    pub jwks_stale_issuers: Gauge,
    pub location_attestations: Family<Result, Counter>,
    pub audit: std::sync::Arc<AuditCounters>,
}

/// What the audit writer reports.
pub struct AuditCounters {
    records: Counter,
    failures: Counter,
    checkpoint_failures: Counter,
    commit_seconds: Histogram,
}

impl crate::server::audit::appender::AuditMetrics for AuditCounters {
    fn committed(&self, records: usize, seconds: f64) {
        self.records.inc_by(records as u64);
        self.commit_seconds.observe(seconds);
    }
    fn failed(&self, records: usize) {
        self.failures.inc_by(records as u64);
    }
    fn checkpoint_failed(&self) {
        self.checkpoint_failures.inc();
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("access_check");
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register("decisions", "Enforcement decisions by endpoint, tier and outcome", decisions.clone());
        let reasons = Family::<ReasonLabels, Counter>::default();
        registry.register("decision_reasons", "Reason codes of enforcement decisions, by tier", reasons.clone());
        let tokens = Family::<TokenLabels, Counter>::default();
        registry.register("token_verifications", "Tokens checked, by algorithm and result code", tokens.clone());
        // 50 µs to about 0.8 s.
        let decision_seconds = Histogram::new(exponential_buckets(0.000_05, 2.0, 15));
        registry.register_with_unit(
            "decision_duration",
            "Time to decide one enforcement request",
            Unit::Seconds,
            decision_seconds.clone(),
        );
        let policy_reloads = Family::<Result, Counter>::default();
        registry.register("policy_reloads", "Policy reloads by result (ok, refused)", policy_reloads.clone());
        let overloaded = Counter::default();
        registry.register(
            "overloaded_requests",
            "Requests refused with 503 because too many were in flight",
            overloaded.clone(),
        );
        let in_flight = Gauge::default();
        registry.register("requests_in_flight", "Requests being served", in_flight.clone());
        let jwks_fetches = Family::<Result, Counter>::default();
        registry.register(
            "jwks_fetches",
            "Fetches of issuers' JWKS documents, by result (ok, error)",
            jwks_fetches.clone(),
        );
        let jwks_stale_issuers = Gauge::default();
        registry.register(
            "jwks_stale_issuers",
            "Issuers whose keys are past their cache time and used within the grace period",
            jwks_stale_issuers.clone(),
        );
        let location_attestations = Family::<Result, Counter>::default();
        registry.register(
            "location_attestations",
            "Requests to the location issuer, by result (issued, unknown_address, no_subject)",
            location_attestations.clone(),
        );
        let audit = std::sync::Arc::new(AuditCounters {
            records: Counter::default(),
            failures: Counter::default(),
            checkpoint_failures: Counter::default(),
            // 100 µs to about 1.6 s.
            commit_seconds: Histogram::new(exponential_buckets(0.000_1, 2.0, 15)),
        });
        registry.register("audit_records", "Decisions committed to the audit store", audit.records.clone());
        registry.register(
            "audit_write_failures",
            "Decisions answered 503 because the audit store could not be written",
            audit.failures.clone(),
        );
        registry.register(
            "audit_checkpoint_failures",
            "Checkpoints of the audit chain that could not be written",
            audit.checkpoint_failures.clone(),
        );
        registry.register_with_unit(
            "audit_commit_duration",
            "Time to commit one batch of audit records",
            Unit::Seconds,
            audit.commit_seconds.clone(),
        );
        Metrics {
            audit,
            registry,
            decisions,
            reasons,
            tokens,
            decision_seconds,
            policy_reloads,
            overloaded,
            in_flight,
            jwks_fetches,
            jwks_stale_issuers,
            location_attestations,
        }
    }

    /// Counts one decision.
    pub fn record(&self, endpoint: &str, report: &Report, seconds: f64) {
        self.decision_seconds.observe(seconds);
        // A tier the policy does not have is a caller's string: never a label value.
        let tier = if report.tier(&report.tier).is_some() { report.tier.clone() } else { "unknown".to_owned() };
        let labels =
            DecisionLabels { endpoint: endpoint.to_owned(), tier, outcome: report.outcome.as_str().to_owned() };
        self.decisions.get_or_create(&labels).inc();
        if let Some(tier) = report.tier(&report.tier) {
            for reason in &tier.reasons {
                let labels = ReasonLabels { tier: tier.id.clone(), reason: reason.code.as_str().to_owned() };
                self.reasons.get_or_create(&labels).inc();
            }
        }
        for token in &report.tokens {
            let alg = token.summary.alg.as_deref().and_then(crate::core::token::Algorithm::parse);
            let labels = TokenLabels {
                alg: alg.map_or("other", |alg| alg.as_str()).to_owned(),
                result: token.code.map_or("accepted", |code| code.as_str()).to_owned(),
            };
            self.tokens.get_or_create(&labels).inc();
        }
    }

    /// Registers the verified-token cache's hit and miss counters.
    pub fn register_token_cache(&mut self, cache: &super::token_cache::TokenCache) {
        self.registry.register("token_cache_hits", "Tokens whose verification came from the cache", cache.hits.clone());
        self.registry.register(
            "token_cache_misses",
            "Tokens verified because the cache did not have them",
            cache.misses.clone(),
        );
    }

    /// The text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
