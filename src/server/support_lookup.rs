//! `POST /api/audit/lookup {"support_code"}` for the support console: the server's own records
//! of the code's subject around the code's time, beside what the code says the user's browser
//! showed, with every disagreement named. Only with a bearer token configured
//! (`--support-token-file`); 401 without the right one. The store is read on a connection of
//! its own, never the writer's.

use super::decision::without_decision;
use super::AppState;
use crate::core::audit::{Record, StoredEntry};
use crate::core::json::{object, Json};
use crate::core::support::{self, hex};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// How far around the code's time records are looked for.
const WINDOW_SECONDS: u64 = 3600;
/// Most records returned.
const MAX_RECORDS: usize = 50;

/// True when `headers` carry `Authorization: Bearer <token>`; compared in constant time.
fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let Some(given) = given.strip_prefix("Bearer ") else { return false };
    use sha2::{Digest, Sha256};
    // Equal-length digests, compared without an early exit.
    let (a, b) = (Sha256::digest(given.trim().as_bytes()), Sha256::digest(token.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn unauthorized() -> Response {
    let mut response = without_decision(StatusCode::UNAUTHORIZED, "a support token is required");
    response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    response
}

pub async fn lookup(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let token = state.options.support_token.as_deref();
    let Some(token) = token.filter(|_| state.audit.is_some()) else {
        return without_decision(StatusCode::NOT_FOUND, "not found");
    };
    if !authorized(&headers, token) {
        return unauthorized();
    }
    let (code, lang) = match super::body_json(&body) {
        Ok(json) => match json.get("support_code").and_then(Json::as_str) {
            Some(code) => (code.trim().to_owned(), json.get("lang").and_then(Json::as_str).unwrap_or("en").to_owned()),
            None => return super::bad_request("the body needs \"support_code\""),
        },
        Err(message) => return super::bad_request(&message),
    };
    let recorded = match support::decode(&code) {
        Ok(record) => record,
        Err(error) => return super::bad_request(&format!("not a support code: {error}")),
    };
    let at = support::judged_at(&recorded);
    let filter = super::audit::Filter {
        subject: recorded.subject_hash.map(|hash| hex(&hash)),
        // Without a subject (no accepted token), only records of this very code, as the
        // widget wrote it (not as it was pasted).
        support_code: recorded.subject_hash.is_none().then(|| support::cleaned(&code)),
        since: Some(at.saturating_sub(WINDOW_SECONDS)),
        until: Some(at.saturating_add(WINDOW_SECONDS)),
        ..Default::default()
    };
    let store = state.options.audit.store.clone();
    // A thread of its own: the PostgreSQL client runs a small runtime of its own.
    let (send, receive) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let result = super::audit::open(&store).and_then(|mut store| {
            let mut found: Vec<StoredEntry> = Vec::new();
            store.query(&filter, &mut |entry| {
                if found.len() < MAX_RECORDS {
                    found.push(entry);
                }
                Ok(())
            })?;
            Ok(found)
        });
        let _ = send.send(result);
    });
    let entries = match receive.await {
        Ok(Ok(entries)) => entries,
        Ok(Err(error)) => {
            tracing::warn!(%error, "support lookup: the audit store cannot be read");
            return without_decision(StatusCode::SERVICE_UNAVAILABLE, "the audit store cannot be read now");
        }
        Err(_) => return without_decision(StatusCode::SERVICE_UNAVAILABLE, "the audit store cannot be read now"),
    };
    let reported: Vec<(String, String)> =
        recorded.tiers.iter().map(|tier| (tier.id.clone(), tier.outcome.as_str().to_owned())).collect();
    let mut records = Vec::new();
    let mut disagreements = Vec::new();
    for entry in &entries {
        let Ok(record) = Record::from_canonical(&entry.canonical) else { continue };
        if let Some((_, browser)) = reported.iter().find(|(tier, _)| *tier == record.tier) {
            if *browser != record.outcome {
                disagreements.push(object([
                    ("decision_id", record.decision_id.as_str().into()),
                    ("tier", record.tier.as_str().into()),
                    ("server_outcome", record.outcome.as_str().into()),
                    ("reported_outcome", browser.as_str().into()),
                ]));
            }
        }
        if let Ok(mut json) = entry.to_json() {
            if let Json::Object(members) = &mut json {
                members.push(("explanation".to_owned(), in_words(&record, &lang)));
            }
            records.push(json);
        }
    }
    let body = object([
        ("subject", recorded.subject_hash.map(|hash| hex(&hash)).into()),
        ("window_seconds", WINDOW_SECONDS.into()),
        (
            "reported",
            Json::Array(
                reported
                    .iter()
                    .map(|(tier, outcome)| {
                        object([("tier", tier.as_str().into()), ("outcome", outcome.as_str().into())])
                    })
                    .collect(),
            ),
        ),
        ("records", Json::Array(records)),
        ("disagreements", Json::Array(disagreements)),
    ]);
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body.to_compact()).into_response()
}

/// What the server decided, in words for the agent (`{headline, items}` in `lang`): its record's
/// own support code replayed, so the console never shows raw reason codes. Null if the code
/// cannot be read (it always can: the server made it).
fn in_words(record: &Record, lang: &str) -> Json {
    let Ok(report) = crate::core::check::replay(&record.support_code, None, Some(lang)) else { return Json::Null };
    let explanation = report.tier(&record.tier).map_or(&report.explanation, |tier| &tier.explanation);
    object([
        ("headline", explanation.headline.as_str().into()),
        ("items", Json::Array(explanation.items.iter().map(|item| item.as_str().into()).collect())),
    ])
}
