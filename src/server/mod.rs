//! The reference server (SPEC §9), native only: `access-check serve`.
//!
//! - `www/` at `/` and `pkg/` at `/pkg/`, with a strict Content-Security-Policy,
//!   `Referrer-Policy: no-referrer` and correct MIME types;
//! - `GET /policy.json`: the demo policy; `GET /.well-known/jwks.json`: the demo issuers' keys;
//! - `POST /demo/attest`: the demo issuer (DEMO ONLY keys, see [`demo_issuer`]);
//! - `POST /api/enforce`: decides with the same crate and the server's clock: 200 and the
//!   report when granted, 403 and the report otherwise, 400 for malformed input.
//!
//! Client input never causes a 500: bodies are size-limited, parsed with the strict JSON
//! reader, and every problem is a 400 with a message.

pub mod demo_issuer;

use crate::core::check::{self, Request};
use crate::core::facts::Kind;
use crate::core::fields::{Field, FieldError};
use crate::core::json::{object, Json};
use crate::core::policy::evaluate::Outcome;
use crate::core::policy::Policy;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The CSP every response carries: no inline script or style, no eval (only wasm compilation).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Largest request body: eight 16 KiB tokens and their JSON, with room to spare.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What the handlers share.
pub struct AppState {
    pub policy: Policy,
    pub policy_text: String,
    pub issuers: Vec<demo_issuer::DemoIssuer>,
}

/// The seconds-since-epoch clock of the server.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// Loads `www/policy.json` under `root`.
///
/// # Errors
/// An unreadable or invalid policy, in words.
pub fn load_state(root: &Path) -> Result<AppState, String> {
    let path = root.join("www/policy.json");
    let policy_text = std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))?;
    let policy = Policy::parse(&policy_text).map_err(|error| format!("{}: {error}", path.display()))?;
    Ok(AppState { policy, policy_text, issuers: demo_issuer::issuers() })
}

/// The whole application: endpoints, static files, security headers, body limit.
pub fn router(root: &Path, state: Arc<AppState>) -> Router {
    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::overriding(header::HeaderName::from_static(name), HeaderValue::from_static(value))
    };
    let files = Router::new()
        .nest_service("/pkg", ServeDir::new(root.join("pkg")))
        .fallback_service(ServeDir::new(root.join("www")))
        .layer(axum::middleware::map_response(file_errors_are_not_found));
    Router::new()
        .route("/policy.json", get(policy))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/demo/attest", post(attest))
        .route("/api/enforce", post(enforce))
        .merge(files)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(header("content-security-policy", CONTENT_SECURITY_POLICY))
        .layer(header("referrer-policy", "no-referrer"))
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("cache-control", "no-store"))
        .with_state(state)
}

/// A file the static service cannot open is not there, as far as a client is concerned. The
/// service answers 500 for I/O errors other than "not found", and a client can cause those: a
/// path segment of 256 bytes is a file name too long for the file system (ENAMETOOLONG).
async fn file_errors_are_not_found(response: Response) -> Response {
    if response.status().is_server_error() {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain")], "not found\n").into_response();
    }
    response
}

/// Serves on `addr` until the process ends.
///
/// # Errors
/// The address cannot be bound, or the policy cannot be loaded.
pub async fn serve(addr: &str, root: PathBuf) -> Result<(), String> {
    let state = Arc::new(load_state(&root)?);
    if !root.join("pkg/access_check.js").exists() {
        eprintln!("warning: {}/pkg is not built; run ./dev pkg (the pages need it)", root.display());
    }
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|error| format!("cannot listen on {addr}: {error}"))?;
    let bound = listener.local_addr().map_err(|error| error.to_string())?;
    println!("access-check demo: http://{bound}/  (support console: http://{bound}/support.html)");
    axum::serve(listener, router(&root, state)).await.map_err(|error| error.to_string())
}

fn json_response(status: StatusCode, body: &Json) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_compact()).into_response()
}

fn bad_request(message: &str) -> Response {
    json_response(StatusCode::BAD_REQUEST, &object([("error", message.into())]))
}

async fn policy(State(state): State<Arc<AppState>>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.policy_text.clone()).into_response()
}

async fn jwks(State(state): State<Arc<AppState>>) -> Response {
    json_response(StatusCode::OK, &demo_issuer::jwks(&state.issuers))
}

/// Reads a request body as one strict JSON object; the error is the 400's message.
fn body_json(body: &Bytes) -> Result<Json, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_owned())?;
    let json = Json::parse(text).map_err(|error| format!("the body is not valid JSON: {error}"))?;
    if !matches!(json, Json::Object(_)) {
        return Err("the body must be a JSON object".to_owned());
    }
    Ok(json)
}

fn field_error(error: &FieldError) -> Response {
    bad_request(&error.to_string())
}

/// `POST /demo/attest {"kind", "claims"}` → `{"token"}`. DEMO ONLY.
async fn attest(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad_request(&message),
    };
    let root = Field::root(&json);
    let result = (|| {
        let mut members = root.object()?;
        let kind_field = members.required("kind")?;
        let kind_name = kind_field.string()?;
        let kind = Kind::parse(kind_name).ok_or_else(|| kind_field.error(format!("must be {}", Kind::choices())))?;
        let claims = members.required("claims")?;
        members.finish()?;
        let issuer = state
            .issuers
            .iter()
            .find(|issuer| issuer.kind == kind)
            .ok_or_else(|| kind_field.error("has no demo issuer"))?;
        demo_issuer::mint(issuer, &state.policy.audience, claims.json, now()).map_err(|error| FieldError {
            path: if error.path.is_empty() { "claims".into() } else { format!("claims.{}", error.path) },
            message: error.message,
        })
    })();
    match result {
        Ok(token) => json_response(StatusCode::OK, &object([("token", token.into())])),
        Err(error) => field_error(&error),
    }
}

/// `POST /api/enforce {"tokens", "tier"}` → the report: 200 granted, 403 otherwise.
async fn enforce(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad_request(&message),
    };
    let root = Field::root(&json);
    let request = (|| {
        let mut members = root.object()?;
        let tokens = members
            .required("tokens")?
            .array()?
            .iter()
            .map(|token| token.string().map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;
        let tier_field = members.required("tier")?;
        let tier = tier_field.short_string(64)?.to_owned();
        if state.policy.tier(&tier).is_none() {
            return Err(tier_field.error(format!("{tier:?} is not a tier of this policy")));
        }
        let lang = members.optional("lang").map(|f| f.short_string(35).map(str::to_owned)).transpose()?;
        members.finish()?;
        Ok(Request {
            tokens,
            tier: Some(tier),
            now: now(),
            lang: lang.unwrap_or_else(|| "en".into()),
            ..Request::default()
        })
    })();
    let request = match request {
        Ok(request) => request,
        Err(error) => return field_error(&error),
    };
    let report = check::check(&state.policy, &request);
    let status = if report.outcome == Outcome::Granted { StatusCode::OK } else { StatusCode::FORBIDDEN };
    json_response(status, &report.to_json())
}
