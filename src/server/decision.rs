//! The one place a report becomes an HTTP answer: status and headers, for every endpoint.
//!
//! `/forward-auth`: 200 exactly when granted (Envoy's ext_authz treats any other 2xx as a deny),
//! 403 with the report for `blocked` and `action_required`, 503 when no decision can be made
//! (`error`: keys unavailable, an unknown tier), never 3xx or 429. `/api/enforce` keeps its
//! contract: 200 granted, 403 otherwise (SPEC §10).
//!
//! Every answer carries `Access-Check-Outcome`, `Access-Check-Support-Code`,
//! `Access-Check-Policy-Version` and `Access-Check-Decision-Id` (the audit record's id), empty
//! when there is nothing to say, so that a gateway copying them overwrites whatever a client sent
//! rather than merging with it.

use crate::core::policy::evaluate::Outcome;
use crate::core::report::Report;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub const OUTCOME: HeaderName = HeaderName::from_static("access-check-outcome");
pub const SUPPORT_CODE: HeaderName = HeaderName::from_static("access-check-support-code");
pub const POLICY_VERSION: HeaderName = HeaderName::from_static("access-check-policy-version");
pub const DECISION_ID: HeaderName = HeaderName::from_static("access-check-decision-id");

/// Which contract an answer follows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    ForwardAuth,
    Enforce,
}

impl Endpoint {
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::ForwardAuth => "forward_auth",
            Endpoint::Enforce => "enforce",
        }
    }
}

/// The status of a decision.
pub fn status(outcome: Outcome, endpoint: Endpoint) -> StatusCode {
    match (outcome, endpoint) {
        (Outcome::Granted, _) => StatusCode::OK,
        (Outcome::Error, Endpoint::ForwardAuth) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::FORBIDDEN,
    }
}

/// A header value from text we made; an impossible value becomes empty rather than an error.
fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The answer for a decision: the report as JSON (a short body when granted through
/// `/forward-auth`, which gateways do not show) and the headers.
pub fn respond(report: &Report, endpoint: Endpoint, decision_id: &str) -> Response {
    let status = status(report.outcome, endpoint);
    let body = if endpoint == Endpoint::ForwardAuth && report.outcome == Outcome::Granted {
        crate::core::json::object([("outcome", "granted".into())]).to_compact()
    } else {
        report.to_json().to_compact()
    };
    let mut response = (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response();
    let headers = response.headers_mut();
    headers.insert(OUTCOME, value(report.outcome.as_str()));
    headers.insert(SUPPORT_CODE, value(&report.support_code));
    headers.insert(POLICY_VERSION, value(report.policy_version.as_deref().unwrap_or("")));
    headers.insert(DECISION_ID, value(decision_id));
    response
}

/// An answer without a decision (a request that could not be read, an overloaded or draining
/// server, a decision the audit trail could not record): the headers, empty, and
/// `{"error": message}`.
pub fn without_decision(status: StatusCode, message: &str) -> Response {
    let body = crate::core::json::object([("error", message.into())]).to_compact();
    let mut response = (status, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response();
    let headers = response.headers_mut();
    for name in [OUTCOME, SUPPORT_CODE, POLICY_VERSION, DECISION_ID] {
        headers.insert(name, HeaderValue::from_static(""));
    }
    response
}
