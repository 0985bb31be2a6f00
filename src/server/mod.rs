//! The enforcement service and the demo (SPEC §9, §10), native only: `access-check serve`.
//!
//! Always:
//! - `GET|POST|… /forward-auth`: the decision for a gateway ([`forward_auth`]);
//! - `POST /api/enforce {"tokens", "tier", "lang"?}`: the decision as the report, 200 granted,
//!   403 otherwise, 400 for malformed input;
//! - `GET /healthz` (alive), `GET /readyz` (policy loaded, every issuer's keys usable, the
//!   audit store writable, not draining), `GET /metrics` (Prometheus text format);
//! - `GET /policy.json`: the policy in force (the widget reads it).
//!
//! With the demo (the default; `--no-demo` leaves it out): `www/` at `/` and `pkg/` at `/pkg/`
//! with a strict CSP, `GET /.well-known/jwks.json` and `POST /demo/attest` (the demo issuer,
//! DEMO ONLY keys, see [`demo_issuer`]).
//!
//! Deciding is CPU work (signatures): it runs on the blocking pool, never on the threads that
//! accept connections. Requests in flight are bounded (503 beyond), each has a timeout (503),
//! bodies are size-limited, and client input never causes a 500. `SIGHUP` reloads the policy
//! ([`policy_reload`]); `SIGTERM` turns readiness false, lets requests in flight finish (for at
//! most the drain time), writes a last audit checkpoint, and exits 0.
//!
//! Every decision of `/forward-auth` and `/api/enforce` is committed to the audit store
//! ([`audit`]) before it is answered; when it cannot be, the answer is 503, never the decision.

pub mod audit;
pub mod decision;
pub mod demo_issuer;
pub mod forward_auth;
pub mod keys;
pub mod location;
pub mod metrics;
pub mod policy_reload;
pub mod support_lookup;
pub mod token_cache;

use crate::core::check::{self, Request};
use crate::core::codes::Code;
use crate::core::facts::Kind;
use crate::core::fields::{Field, FieldError};
use crate::core::json::{object, Json};
use crate::core::policy::keys::{IssuerKeys, KeyRing};
use crate::core::report::Report;
use arc_swap::ArcSwap;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use decision::Endpoint;
use policy_reload::LoadedPolicy;
use std::future::IntoFuture;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// The CSP every response carries: no inline script or style, no eval (only wasm compilation).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Longest a request waits for the refetch of an issuer's keys that its unknown `kid` started.
pub const REFETCH_WAIT: Duration = Duration::from_millis(150);

/// Largest request body: eight 16 KiB tokens and their JSON, with room to spare.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where `www/` and `pkg/` are, for the demo.
    pub root: PathBuf,
    /// The policy file; `www/policy.json` under `root` by default.
    pub policy: Option<PathBuf>,
    /// Serve the demo pages and the demo issuer.
    pub demo: bool,
    /// Requests served at once; more are answered 503 at once.
    pub max_in_flight: usize,
    /// Longest time one request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Longest time requests in flight may take to finish after `SIGTERM`.
    pub drain_timeout: Duration,
    /// How keys from `jwks_uri`s are cached.
    pub keys: keys::Settings,
    /// Accepted token verifications kept (0: none).
    pub token_cache: usize,
    /// Where decisions are recorded (off by default for library users; the CLI's default is
    /// SQLite in the working directory).
    pub audit: AuditOptions,
    /// The bearer token the support console sends to `POST /api/audit/lookup`; without one the
    /// endpoint does not exist.
    pub support_token: Option<String>,
    /// The location issuer (`GET /location-attestation`); off unless configured.
    pub location: Option<location::Settings>,
    /// Page origins allowed to call the credentialed endpoints (`/location-attestation`,
    /// `/demo/attest`) from the browser (CORS with credentials); static files, the policy and
    /// the JWKS are public to every origin.
    pub cors_origins: Vec<HeaderValue>,
}

/// The audit trail's settings.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub store: audit::StoreConfig,
    /// This instance's chain; a new one per start by default (`HOST-RANDOM`).
    pub chain: Option<String>,
    /// The Ed25519 private JWK that signs checkpoints; created when absent.
    pub key: PathBuf,
    /// Where checkpoints are appended.
    pub checkpoints: PathBuf,
    pub every: audit::appender::CheckpointEvery,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            store: audit::StoreConfig::Off,
            chain: None,
            key: PathBuf::from("access-check-audit-key.jwk.json"),
            checkpoints: PathBuf::from("access-check-audit.checkpoints"),
            every: audit::appender::CheckpointEvery::default(),
        }
    }
}

/// A chain id for this start: the host name and a random part, so instances (and restarts)
/// never share a chain by accident.
fn default_chain() -> String {
    let host = std::fs::read_to_string("/etc/hostname").ok().or_else(|| std::env::var("HOSTNAME").ok());
    let host: String = host
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .take(64)
        .collect();
    let random = uuid::Uuid::now_v7().simple().to_string();
    let tail: String = random.chars().rev().take(8).collect();
    format!("{}-{tail}", if host.is_empty() { "instance" } else { &host })
}

impl Options {
    pub fn new(root: PathBuf) -> Options {
        Options {
            root,
            policy: None,
            demo: true,
            max_in_flight: 1024,
            request_timeout: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(10),
            keys: keys::Settings::default(),
            // 10,000 sessions of three tokens.
            token_cache: 30_000,
            audit: AuditOptions::default(),
            support_token: None,
            location: None,
            cors_origins: Vec::new(),
        }
    }

    fn policy_path(&self) -> PathBuf {
        self.policy.clone().unwrap_or_else(|| self.root.join("www/policy.json"))
    }
}

/// What the handlers share. The policy is an immutable snapshot, swapped whole on reload: a
/// request sees one policy from start to end.
pub struct AppState {
    pub policy: ArcSwap<LoadedPolicy>,
    pub issuers: Vec<demo_issuer::DemoIssuer>,
    pub metrics: metrics::Metrics,
    pub keys: keys::JwksCache,
    pub tokens: token_cache::TokenCache,
    pub draining: AtomicBool,
    /// The audit trail's writer; `None` with `--audit off`.
    pub audit: Option<audit::appender::Auditor>,
    /// The location issuer's keys, database and lists, swapped whole on `SIGHUP`.
    pub location: arc_swap::ArcSwapOption<location::LocationIssuer>,
    in_flight: Arc<tokio::sync::Semaphore>,
    options: Options,
}

impl AppState {
    /// Loads the policy.
    ///
    /// # Errors
    /// An unreadable or invalid policy, in words.
    pub fn new(options: Options) -> Result<AppState, String> {
        let policy = LoadedPolicy::load(&options.policy_path())?;
        let tokens = token_cache::TokenCache::new(options.token_cache);
        let location = match &options.location {
            Some(settings) => {
                let issuer = location::LocationIssuer::load(settings)?;
                warn_if_the_policy_does_not_trust(&policy, settings);
                Some(Arc::new(issuer))
            }
            None => None,
        };
        let mut metrics = metrics::Metrics::new();
        metrics.register_token_cache(&tokens);
        let audit = match &options.audit.store {
            audit::StoreConfig::Off => None,
            store => {
                let settings = &options.audit;
                let writer = audit::checkpoints::CheckpointWriter::open(&settings.key, &settings.checkpoints)?;
                let chain = settings.chain.clone().unwrap_or_else(default_chain);
                let auditor = audit::appender::Auditor::start(
                    store.clone(),
                    chain,
                    writer,
                    settings.every,
                    metrics.audit.clone(),
                )
                .map_err(|error| format!("the audit store {}: {error}", store.describe()))?;
                Some(auditor)
            }
        };
        Ok(AppState {
            audit,
            location: arc_swap::ArcSwapOption::new(location),
            policy: ArcSwap::from_pointee(policy),
            issuers: demo_issuer::issuers(),
            metrics,
            keys: keys::JwksCache::new(options.keys.clone()),
            tokens,
            draining: AtomicBool::new(false),
            in_flight: Arc::new(tokio::sync::Semaphore::new(options.max_in_flight)),
            options,
        })
    }
}

/// A location issuer whose `iss` the policy does not list for location tokens mints tokens the
/// policy refuses (`ISSUER_UNKNOWN`): worth a warning at start, not a refusal (the widget may
/// be given another policy).
fn warn_if_the_policy_does_not_trust(policy: &LoadedPolicy, settings: &location::Settings) {
    let trusted =
        policy.policy.issuers.iter().any(|issuer| issuer.iss == settings.iss && issuer.kinds.contains(&Kind::Location));
    if !trusted {
        tracing::warn!(iss = %settings.iss, "the policy has no location issuer with this iss: its tokens will be refused");
    }
}

/// The seconds-since-epoch clock of the server.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// A UTF-8 file read up to `limit` bytes and one more, so that the caller can tell "too large"
/// from "exactly at the limit" in its own words; errors name the file.
///
/// # Errors
/// It cannot be read, or (what was read) is not UTF-8.
pub fn read_text_file(path: &std::path::Path, limit: usize) -> Result<String, String> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|error| format!("{shown}: {error}"))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(|error| format!("{shown}: {error}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{shown}: not UTF-8 text"))
}

/// The same clock in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
}

/// The whole application: endpoints, demo pages, limits, security headers.
pub fn router(state: Arc<AppState>) -> Router {
    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::overriding(header::HeaderName::from_static(name), HeaderValue::from_static(value))
    };
    let mut app = Router::new()
        .route("/forward-auth", any(forward_auth::forward_auth))
        .route("/api/enforce", post(enforce))
        .route("/api/audit/lookup", post(support_lookup::lookup))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text));
    // Public to any origin (no credentials): the package (a module script and its wasm from
    // another origin need CORS), the policy, the JWKS.
    let public = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET, axum::http::Method::HEAD]);
    // The credentialed endpoints the widget calls from the page: only the origins listed.
    let credentialed = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::AllowOrigin::list(state.options.cors_origins.clone()))
        .allow_credentials(true)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([header::DATE]);
    app = app.merge(Router::new().route("/policy.json", get(policy)).layer(public.clone()));
    let mut issuers = Router::new();
    if state.options.location.is_some() {
        issuers = issuers.route("/location-attestation", get(location::endpoint));
    }
    if state.options.demo || state.options.location.is_some() {
        app = app.merge(Router::new().route("/.well-known/jwks.json", get(jwks)).layer(public.clone()));
    }
    if state.options.demo {
        let root = &state.options.root;
        let files = Router::new()
            .nest_service("/pkg", ServeDir::new(root.join("pkg")))
            .layer(public)
            .fallback_service(ServeDir::new(root.join("www")))
            .layer(axum::middleware::map_response(file_errors_are_not_found));
        issuers = issuers.route("/demo/attest", post(attest)).route("/demo/location", get(demo_location));
        app = app.merge(files);
    }
    app = app.merge(issuers.layer(credentialed));
    app.layer(axum::middleware::from_fn_with_state(state.clone(), bounded))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, state.options.request_timeout))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(header("content-security-policy", CONTENT_SECURITY_POLICY))
        .layer(header("referrer-policy", "no-referrer"))
        .layer(header("x-content-type-options", "nosniff"))
        // Answers are per user and per moment, so nothing is cached, except where a handler
        // says otherwise (the JWKS).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .with_state(state)
}

/// At most `max_in_flight` requests at once; beyond, 503 at once rather than a queue that
/// grows until every request times out.
async fn bounded(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Ok(_permit) = state.in_flight.clone().try_acquire_owned() else {
        state.metrics.overloaded.inc();
        return decision::without_decision(StatusCode::SERVICE_UNAVAILABLE, "too many requests in flight; try again");
    };
    state.metrics.in_flight.inc();
    let response = next.run(request).await;
    state.metrics.in_flight.dec();
    response
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

/// Decides on the blocking pool, counts the decision, and answers for `endpoint`. A token that
/// names a `kid` the cached keys lack gets one refetch of its issuer's JWKS (rate-limited in
/// [`keys::JwksCache`]) and a second decision.
async fn decide(state: &Arc<AppState>, snapshot: Arc<LoadedPolicy>, request: Request, endpoint: Endpoint) -> Response {
    let started = Instant::now();
    let mut report = match check_off_thread(state, &snapshot, &request).await {
        Some(report) => report,
        // A panic in the core: fail closed, never a grant, never a 500.
        None => return decision::without_decision(StatusCode::SERVICE_UNAVAILABLE, "the decision could not be made"),
    };
    let unknown_key_issuers: Vec<String> = report
        .tokens
        .iter()
        .filter(|token| matches!(token.code, Some(Code::KeyUnknown | Code::KeysUnavailable)))
        .filter_map(|token| token.summary.iss.clone())
        .collect();
    let mut refetched = false;
    for iss in unknown_key_issuers {
        // The refetch runs on its own; the request waits for it only briefly (gateways such as
        // Envoy give an auth check 200 ms). A slower issuer: no decision now, and the keys
        // are there for the next request.
        let (fetching_state, fetching_policy) = (state.clone(), snapshot.clone());
        let refetch = tokio::spawn(async move {
            fetching_state.keys.refetch_for_unknown_kid(&fetching_policy.policy, &iss, &fetching_state.metrics).await
        });
        match tokio::time::timeout(REFETCH_WAIT, refetch).await {
            Ok(Ok(fetched)) => refetched |= fetched,
            Ok(Err(_)) => {}
            Err(_) => {
                return decision::without_decision(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "an issuer's keys are being fetched; try again in a moment",
                )
            }
        }
    }
    if refetched {
        if let Some(again) = check_off_thread(state, &snapshot, &request).await {
            report = again;
        }
    }
    // Recorded before it is answered: a decision the audit trail lacks is never given.
    let decision_id = uuid::Uuid::now_v7().to_string();
    if let Some(auditor) = &state.audit {
        let record = crate::core::audit::Record::of_report(
            &report,
            decision_id.clone(),
            now_ms(),
            endpoint.as_str(),
            &snapshot.policy.hash,
        );
        if let Err(error) = auditor.record(record).await {
            tracing::warn!(%error, "a decision could not be recorded; answering 503");
            return decision::without_decision(
                StatusCode::SERVICE_UNAVAILABLE,
                "the decision could not be recorded in the audit trail; try again",
            );
        }
    }
    state.metrics.record(endpoint.as_str(), &report, started.elapsed().as_secs_f64());
    decision::respond(&report, endpoint, &decision_id)
}

/// One `check` on the blocking pool, with the keys fetched so far.
async fn check_off_thread(state: &Arc<AppState>, snapshot: &Arc<LoadedPolicy>, request: &Request) -> Option<Report> {
    let request = Request { fetched_jwks: state.keys.documents(&snapshot.policy), ..request.clone() };
    let snapshot = snapshot.clone();
    let state = state.clone();
    tokio::task::spawn_blocking(move || check::check_cached(&snapshot.policy, &request, &state.tokens)).await.ok()
}

/// Keeps every `jwks_uri`'s keys fresh, in the background.
async fn refresh_keys(state: Arc<AppState>) {
    loop {
        let snapshot = state.policy.load_full();
        state.keys.refresh_due(&snapshot.policy, &state.metrics).await;
        state
            .metrics
            .jwks_stale_issuers
            .set(i64::try_from(state.keys.stale_count(&snapshot.policy)).unwrap_or(i64::MAX));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Serves on `addr` until `SIGTERM` (or Ctrl-C); `SIGHUP` reloads the policy.
///
/// # Errors
/// The address cannot be bound, or the policy cannot be loaded.
pub async fn serve(addr: &str, options: Options) -> Result<(), String> {
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).try_init();
    // Listen for signals before the first connection: a SIGTERM that arrives early must drain,
    // not kill.
    let terminated = Terminated::listen()?;
    let drain = options.drain_timeout;
    let state = Arc::new(AppState::new(options)?);
    if state.options.demo && !state.options.root.join("pkg/access_check.js").exists() {
        tracing::warn!("{}/pkg is not built; run ./dev pkg (the demo pages need it)", state.options.root.display());
    }
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|error| format!("cannot listen on {addr}: {error}"))?;
    let bound = listener.local_addr().map_err(|error| error.to_string())?;
    let loaded = state.policy.load();
    tracing::info!(%bound, policy = %loaded.path.display(), version = %loaded.policy.version, hash = %loaded.short_hash(), demo = state.options.demo, audit = %state.options.audit.store.describe(), chain = state.audit.as_ref().map_or("", |a| a.chain.as_str()), "serving");
    // Where to point a browser or a gateway; a closed standard output must not stop the service.
    let banner = if state.options.demo {
        format!("access-check demo: http://{bound}/  (support console: http://{bound}/support.html)")
    } else {
        format!("access-check: enforcement service on http://{bound}/forward-auth")
    };
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), format!("{banner}\n").as_bytes());
    tokio::spawn(reload_on_hangup(state.clone(), terminated.hangup));
    tokio::spawn(refresh_keys(state.clone()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        let mut stopped = stopped;
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let app = router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(axum::serve(listener, app).with_graceful_shutdown(shutdown).into_future());
    terminated.termination.await;
    state.draining.store(true, Ordering::SeqCst);
    tracing::info!("draining: readiness is false, no new connections; requests in flight finish");
    let _ = stop.send(true);
    match tokio::time::timeout(drain, server).await {
        Ok(Ok(Ok(()))) => tracing::info!("drained; exiting"),
        Ok(Ok(Err(error))) => return Err(error.to_string()),
        Ok(Err(_)) => return Err("the server task failed".to_owned()),
        Err(_) => tracing::warn!(seconds = drain.as_secs(), "requests still in flight after the drain time; exiting"),
    }
    // The records of the requests just answered are committed; sign the chain's head.
    let finishing = state.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if let Some(auditor) = &finishing.audit {
            auditor.shutdown();
            tracing::info!(chain = %auditor.chain, "audit trail checkpointed");
        }
    })
    .await;
    Ok(())
}

/// The signals the service acts on, listened for from the start.
struct Terminated {
    /// Resolves on `SIGTERM` or Ctrl-C.
    termination: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
    #[cfg(not(unix))]
    hangup: (),
}

impl Terminated {
    #[cfg(unix)]
    fn listen() -> Result<Terminated, String> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate =
            signal(SignalKind::terminate()).map_err(|error| format!("cannot listen for SIGTERM: {error}"))?;
        let hangup = signal(SignalKind::hangup()).map_err(|error| format!("cannot listen for SIGHUP: {error}"))?;
        let termination = Box::pin(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        });
        Ok(Terminated { termination, hangup })
    }

    #[cfg(not(unix))]
    fn listen() -> Result<Terminated, String> {
        Ok(Terminated {
            termination: Box::pin(async {
                let _ = tokio::signal::ctrl_c().await;
            }),
            hangup: (),
        })
    }
}

/// Reloads the policy on every `SIGHUP`, off the request path.
#[cfg(unix)]
async fn reload_on_hangup(state: Arc<AppState>, mut hangups: tokio::signal::unix::Signal) {
    while hangups.recv().await.is_some() {
        let state = state.clone();
        let _ = tokio::task::spawn_blocking(move || {
            policy_reload::reload(&state);
            location::reload(&state);
        })
        .await;
    }
}

#[cfg(not(unix))]
async fn reload_on_hangup(_state: Arc<AppState>, _hangups: ()) {}

fn json_response(status: StatusCode, body: &Json) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_compact()).into_response()
}

fn bad_request(message: &str) -> Response {
    json_response(StatusCode::BAD_REQUEST, &object([("error", message.into())]))
}

async fn policy(State(state): State<Arc<AppState>>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], state.policy.load().text.clone()).into_response()
}

/// How long verifiers may cache `/.well-known/jwks.json`: the rotation guidance (README,
/// "Issuing attestations") waits at least this long between publishing a key and signing with
/// it.
pub const JWKS_MAX_AGE_SECONDS: u64 = 300;

/// `GET /.well-known/jwks.json`: the public keys this server signs with (the location issuer's,
/// the signing key first) and, with the demo, the demo issuers'.
async fn jwks(State(state): State<Arc<AppState>>) -> Response {
    let mut keys: Vec<Json> =
        state.location.load().as_ref().map(|issuer| issuer.public_keys().to_vec()).unwrap_or_default();
    if state.options.demo {
        keys.extend(state.issuers.iter().map(|issuer| issuer.key.public_jwk()));
    }
    let cache = format!("public, max-age={JWKS_MAX_AGE_SECONDS}");
    let mut response = json_response(StatusCode::OK, &object([("keys", Json::Array(keys))]));
    if let Ok(value) = HeaderValue::from_str(&cache) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

async fn healthz() -> Response {
    ([(header::CONTENT_TYPE, "text/plain")], "ok\n").into_response()
}

/// Ready when not draining and every issuer of the policy has keys this build can verify with
/// (fetched ones within their grace period).
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let snapshot = state.policy.load();
    let mut problems: Vec<String> = Vec::new();
    if state.draining.load(Ordering::SeqCst) {
        problems.push("draining".to_owned());
    }
    if state.audit.as_ref().is_some_and(|auditor| !auditor.writable()) {
        problems.push("the audit store cannot be written".to_owned());
    }
    problems.extend(state.keys.problems(&snapshot.policy));
    let ring = KeyRing::new(&snapshot.policy, &state.keys.documents(&snapshot.policy));
    for issuer in snapshot.policy.issuers.iter().filter(|issuer| issuer.keys.is_some()) {
        let usable = matches!(ring.for_issuer(&issuer.iss), IssuerKeys::Available(keys) if keys.iter().any(|key| key.is_supported()));
        if !usable {
            problems.push(format!("no usable keys for the issuer {}", issuer.iss));
        }
    }
    let body = object([
        ("ready", problems.is_empty().into()),
        ("policy_version", snapshot.policy.version.as_str().into()),
        ("policy_hash", snapshot.short_hash().into()),
        ("problems", Json::Array(problems.iter().map(|p| p.as_str().into()).collect())),
    ]);
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    json_response(status, &body)
}

async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], state.metrics.encode())
        .into_response()
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
        demo_issuer::mint(issuer, &state.policy.load().policy.audience, claims.json, now()).map_err(|error| {
            FieldError {
                path: if error.path.is_empty() { "claims".into() } else { format!("claims.{}", error.path) },
                message: error.message,
            }
        })
    })();
    match result {
        Ok(token) => json_response(StatusCode::OK, &object([("token", token.into())])),
        Err(error) => field_error(&error),
    }
}

/// `GET /demo/location?country=CC&anonymizer=KIND` → `{"tokens": [JWS]}`: a fresh location
/// attestation from the demo edge issuer, for the playground's `attestation-endpoint` (the
/// element renews it before it expires). DEMO ONLY: a real edge attests the request's own
/// address (`--location-key`, `/location-attestation`).
async fn demo_location(State(state): State<Arc<AppState>>, uri: axum::http::Uri) -> Response {
    let mut claims: Vec<(String, Json)> = Vec::new();
    for pair in uri.query().unwrap_or_default().split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let plain = value.len() <= 16 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !matches!(name, "country" | "region" | "anonymizer") || !plain {
            return bad_request(&format!("{name}: expected country, region or anonymizer with a plain value"));
        }
        claims.push((name.to_owned(), value.into()));
    }
    if !claims.iter().any(|(name, _)| name == "anonymizer") {
        claims.push(("anonymizer".to_owned(), "none".into()));
    }
    let Some(issuer) = state.issuers.iter().find(|issuer| issuer.kind == Kind::Location) else {
        return bad_request("no demo location issuer");
    };
    match demo_issuer::mint(issuer, &state.policy.load().policy.audience, &Json::Object(claims), now()) {
        Ok(token) => json_response(StatusCode::OK, &object([("tokens", Json::Array(vec![token.into()]))])),
        Err(error) => field_error(&error),
    }
}

/// `POST /api/enforce {"tokens", "tier", "lang"?}` → the report: 200 granted, 403 otherwise.
async fn enforce(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let json = match body_json(&body) {
        Ok(json) => json,
        Err(message) => return bad_request(&message),
    };
    let snapshot = state.policy.load_full();
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
        if snapshot.policy.tier(&tier).is_none() {
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
    match request {
        Ok(request) => decide(&state, snapshot, request, Endpoint::Enforce).await,
        Err(error) => field_error(&error),
    }
}
