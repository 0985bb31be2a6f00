//! `/forward-auth`, for nginx `auth_request`, Envoy `ext_authz` (HTTP), Traefik `ForwardAuth`
//! and Caddy `forward_auth`. Any method; the body is never read.
//!
//! - Tokens: every `Access-Check-Attestation` header, each holding one token or several
//!   separated by commas (a compact JWS has no comma).
//! - The tier: `Access-Check-Tier`, or a model name in `Access-Check-Model` mapped through the
//!   policy's `models`. The gateway must set these itself, overwriting what a client sent.
//! - The language of the report: the first tag of `Accept-Language`, else English.

use super::decision::{self, Endpoint};
use super::AppState;
use crate::core::check::Request;
use crate::core::policy::Policy;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::sync::Arc;

pub const ATTESTATION: &str = "access-check-attestation";
pub const TIER: &str = "access-check-tier";
pub const MODEL: &str = "access-check-model";

/// What a forward-auth request asks, or why it cannot be read.
fn read(headers: &HeaderMap, policy: &Policy) -> Result<(Vec<String>, String, String), String> {
    let mut tokens = Vec::new();
    for value in headers.get_all(ATTESTATION) {
        let text = value.to_str().map_err(|_| format!("{ATTESTATION}: not ASCII text"))?;
        tokens.extend(text.split(',').map(str::trim).filter(|token| !token.is_empty()).map(str::to_owned));
    }
    let single = |name: &str| -> Result<Option<String>, String> {
        let mut values = headers.get_all(name).iter();
        let first = values.next();
        if values.next().is_some() {
            return Err(format!("{name} is given more than once"));
        }
        first
            .map(|value| {
                value.to_str().map(|text| text.trim().to_owned()).map_err(|_| format!("{name}: not ASCII text"))
            })
            .transpose()
    };
    let tier = match (single(TIER)?, single(MODEL)?) {
        (Some(tier), None) => tier,
        (None, Some(model)) => policy
            .tiers
            .iter()
            .find(|tier| tier.models.contains(&model))
            .map(|tier| tier.id.clone())
            .ok_or_else(|| format!("{MODEL}: no tier of the policy lists the model {model:?}"))?,
        (Some(_), Some(_)) => return Err(format!("give {TIER} or {MODEL}, not both")),
        (None, None) => return Err(format!("the gateway must send {TIER} or {MODEL}")),
    };
    let lang = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.split([',', ';']).next())
        .map(str::trim)
        .filter(|tag| !tag.is_empty() && tag.len() <= 35)
        .unwrap_or("en")
        .to_owned();
    Ok((tokens, tier, lang))
}

pub async fn forward_auth(state: axum::extract::State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let snapshot = state.policy.load_full();
    let (tokens, tier, lang) = match read(&headers, &snapshot.policy) {
        Ok(request) => request,
        // Not the user's doing: the gateway is set up wrongly. No decision can be made.
        Err(message) => return decision::without_decision(StatusCode::SERVICE_UNAVAILABLE, &message),
    };
    let request = Request { tokens, tier: Some(tier), now: super::now(), lang, ..Request::default() };
    super::decide(&state, snapshot, request, Endpoint::ForwardAuth).await
}
