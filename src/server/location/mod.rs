//! The server as the location issuer (SPEC §12): `GET /location-attestation`, for the widget's
//! `attestation-endpoint`, answers `{"tokens": [JWS]}` with a short-lived location attestation
//! of the request itself:
//! - the client address ([`client_address`]): the peer, or the forwarded-address header when
//!   the peer is one of the operator's proxies (`--trusted-proxy`);
//! - its country (and region) from a MaxMind-format database (`--location-db`, [`geo`]); an
//!   address the database does not know gets `{"tokens": []}`, never a guess;
//! - its anonymizer kind from the operator's lists (`--anonymizer KIND=FILE`, [`anonymizers`]);
//! - the subject: a location attestation must name the user its identity attestation names
//!   (subject binding, SPEC §2), so `sub` is the header the gateway sets after authenticating
//!   the user's session (`--location-subject-header`, `Access-Check-Subject` by default),
//!   believed only from a trusted proxy. Without one the answer is 401: no token for nobody.
//!
//! Keys: `--location-key FILE`, repeatable: the first signs, every one is published at
//! `/.well-known/jwks.json` (rotation: publish the next key second, make it first after the
//! JWKS's max-age, drop the old one after the ttl). `SIGHUP` re-reads keys, database and lists
//! (they change weekly or daily); a set that does not load is refused with a log line and the
//! running one stays.

pub mod anonymizers;
pub mod client_address;
pub mod geo;

use crate::core::facts::{Anonymizer, Kind};
use crate::core::json::{object, Json};
use crate::issue::SigningKey;
use anonymizers::AnonymizerLists;
use axum::http::{header::HeaderName, HeaderMap};
use client_address::TrustedProxies;
use geo::CountryDatabase;
use std::net::IpAddr;
use std::path::PathBuf;

/// The default ttl of a location attestation: the user's network can change at any moment.
pub const DEFAULT_TTL_SECONDS: u64 = 300;
/// The longest ttl allowed: a location attestation is short-lived.
pub const MAX_TTL_SECONDS: u64 = 3600;
/// Longest subject accepted from the gateway (the verifier's limit for `sub`).
const MAX_SUBJECT_BYTES: usize = 512;

/// How the location issuer is configured.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Private JWK files: the first signs, all are published.
    pub keys: Vec<PathBuf>,
    /// The `iss` of its tokens (the policy's location issuer).
    pub iss: String,
    pub database: PathBuf,
    pub anonymizers: Vec<(Anonymizer, PathBuf)>,
    pub trusted_proxies: TrustedProxies,
    pub forwarded_header: HeaderName,
    pub subject_header: HeaderName,
    pub ttl_seconds: u64,
}

impl Settings {
    /// The settings with the defaults for everything but keys, issuer, database and proxies.
    pub fn new(keys: Vec<PathBuf>, iss: String, database: PathBuf, trusted_proxies: TrustedProxies) -> Settings {
        Settings {
            keys,
            iss,
            database,
            anonymizers: Vec::new(),
            trusted_proxies,
            forwarded_header: HeaderName::from_static("x-forwarded-for"),
            subject_header: HeaderName::from_static("access-check-subject"),
            ttl_seconds: DEFAULT_TTL_SECONDS,
        }
    }
}

/// Keys, database and lists, loaded.
#[derive(Debug)]
pub struct LocationIssuer {
    signing: SigningKey,
    published: Vec<Json>,
    database: CountryDatabase,
    anonymizers: AnonymizerLists,
}

/// What a request to the location issuer gets.
#[derive(Debug)]
pub enum Attested {
    Token(String),
    /// The client address is unknown (a trusted proxy without a usable header), or the
    /// database does not know it.
    UnknownAddress(Option<IpAddr>),
    /// No subject from a trusted proxy.
    NoSubject,
}

impl LocationIssuer {
    /// Reads every key, the database and the lists.
    ///
    /// # Errors
    /// The first that does not load, naming its file.
    pub fn load(settings: &Settings) -> Result<LocationIssuer, String> {
        let mut keys = Vec::new();
        for path in &settings.keys {
            let key = crate::issue::read_private_jwk(path)?;
            if keys.iter().any(|known: &SigningKey| known.kid == key.kid) {
                return Err(format!("{}: kid {:?} is already used by another --location-key", path.display(), key.kid));
            }
            keys.push(key);
        }
        let published = keys.iter().map(SigningKey::public_jwk).collect();
        let signing = keys.into_iter().next().ok_or("the location issuer needs a --location-key")?;
        Ok(LocationIssuer {
            signing,
            published,
            database: CountryDatabase::open(&settings.database)?,
            anonymizers: AnonymizerLists::load(&settings.anonymizers)?,
        })
    }

    /// The public JWKs of every key (the signing one first).
    pub fn public_keys(&self) -> &[Json] {
        &self.published
    }

    pub fn signing_kid(&self) -> &str {
        &self.signing.kid
    }

    /// What the start-up and reload logs say.
    pub fn describe(&self) -> String {
        let lists: Vec<String> =
            self.anonymizers.sizes().iter().map(|(kind, size)| format!("{} {size} ranges", kind.as_str())).collect();
        format!(
            "signing kid {}, {} published, database {}, anonymizers: {}",
            self.signing.kid,
            self.published.len(),
            self.database.describe(),
            if lists.is_empty() { "none".to_owned() } else { lists.join(", ") }
        )
    }

    /// The location attestation for a request from `peer` with `headers`, for `audience`.
    pub fn attest(
        &self,
        settings: &Settings,
        peer: Option<IpAddr>,
        headers: &HeaderMap,
        audience: &str,
        now: u64,
    ) -> Attested {
        // No connection address (a test harness without one): nothing is known.
        let Some(peer) = peer else { return Attested::UnknownAddress(None) };
        let Some(subject) = subject(settings, peer, headers) else { return Attested::NoSubject };
        let forwarded = headers.get_all(&settings.forwarded_header).iter().filter_map(|value| value.to_str().ok());
        let Some(client) = client_address::client_address(peer, forwarded, &settings.trusted_proxies) else {
            return Attested::UnknownAddress(None);
        };
        let Some(located) = self.database.locate(client) else { return Attested::UnknownAddress(Some(client)) };
        let mut claims: Vec<(String, Json)> = vec![("country".into(), located.country.as_str().into())];
        if let Some(region) = &located.region {
            claims.push(("region".into(), region.as_str().into()));
        }
        claims.push(("anonymizer".into(), self.anonymizers.kind_of(client).as_str().into()));
        let claims = Json::Object(claims);
        let attestation = crate::issue::Attestation {
            kind: Kind::Location,
            iss: &settings.iss,
            aud: audience,
            sub: &subject,
            now,
            ttl_seconds: settings.ttl_seconds,
            claims: &claims,
        };
        match crate::issue::issue(&self.signing, &attestation) {
            Ok(token) => Attested::Token(token),
            // Only a claim the verifier would refuse gets here (the database's codes are
            // checked above): no token rather than a bad one.
            Err(error) => {
                tracing::warn!(%error, "a location attestation could not be issued");
                Attested::UnknownAddress(Some(client))
            }
        }
    }
}

/// The subject the gateway authenticated: exactly one header value, from a trusted proxy.
fn subject(settings: &Settings, peer: IpAddr, headers: &HeaderMap) -> Option<String> {
    if !settings.trusted_proxies.contains(peer) {
        return None;
    }
    let mut values = headers.get_all(&settings.subject_header).iter();
    let value = values.next()?.to_str().ok()?.trim();
    let single = values.next().is_none();
    (single && !value.is_empty() && value.len() <= MAX_SUBJECT_BYTES).then(|| value.to_owned())
}

/// `GET /location-attestation` → `{"tokens": [JWS]}`; `{"tokens": []}` for an address the
/// database does not know; 401 without an authenticated subject; 404 when not configured.
pub async fn endpoint(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<super::AppState>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::http::StatusCode;
    let (Some(settings), Some(issuer)) = (&state.options.location, state.location.load_full()) else {
        return super::json_response(StatusCode::NOT_FOUND, &object([("error", "no location issuer here".into())]));
    };
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
    let audience = state.policy.load().policy.audience.clone();
    let attested = issuer.attest(settings, peer, request.headers(), &audience, super::now());
    let count = |result: &str| {
        state.metrics.location_attestations.get_or_create(&super::metrics::Result { result: result.into() }).inc();
    };
    match attested {
        Attested::Token(token) => {
            count("issued");
            super::json_response(StatusCode::OK, &object([("tokens", Json::Array(vec![token.into()]))]))
        }
        Attested::UnknownAddress(client) => {
            count("unknown_address");
            tracing::debug!(client = ?client, "no location attestation: the address is unknown");
            super::json_response(StatusCode::OK, &object([("tokens", Json::Array(Vec::new()))]))
        }
        Attested::NoSubject => {
            count("no_subject");
            let message = format!(
                "no authenticated subject: the gateway in front of this service must set the {} header",
                settings.subject_header
            );
            super::json_response(StatusCode::UNAUTHORIZED, &object([("error", message.into())]))
        }
    }
}

/// Re-reads keys, database and lists (`SIGHUP`): a set that loads replaces the running one,
/// otherwise the running one stays. Returns whether the new set is in force.
pub fn reload(state: &super::AppState) -> bool {
    let Some(settings) = &state.options.location else { return true };
    match LocationIssuer::load(settings) {
        Ok(issuer) => {
            tracing::info!(issuer = %issuer.describe(), "location issuer reloaded");
            state.location.store(Some(std::sync::Arc::new(issuer)));
            true
        }
        Err(error) => {
            tracing::error!(%error, "location issuer reload refused; the running keys, database and lists stay");
            false
        }
    }
}
