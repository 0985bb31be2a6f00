//! The demo issuer: DEMO ONLY. Its keys are derived from public strings (the same derivation
//! as `www/scenarios/*.json` and `www/policy.json`), so anyone can mint tokens with them. It
//! exists so the playground and the support console can make users on the spot; a real
//! deployment gets attestations from real identity, edge and organization issuers, minted
//! with [`crate::issue`] (which this module uses too, with its demo keys).

use crate::core::facts::Kind;
use crate::core::fields::{Field, FieldError};
use crate::core::json::{Json, MAX_SAFE_INTEGER};
use crate::issue::{KeyAlgorithm, SigningKey};
use sha2::{Digest, Sha256};

/// The one demo subject, used unless a request names another.
pub const DEMO_SUBJECT: &str = "user-7d2f0a";

fn seed(kid: &str) -> [u8; 32] {
    Sha256::digest(format!("access-check demo key (DEMO ONLY): {kid}").as_bytes()).into()
}

/// A demo signing key: [`crate::issue::SigningKey`] from a public seed. DEMO ONLY.
fn demo_key(alg: KeyAlgorithm, kid: &str) -> Option<SigningKey> {
    SigningKey::from_secret(alg, kid, &seed(kid)).ok()
}

/// One demo issuer per kind.
pub struct DemoIssuer {
    pub kind: Kind,
    pub iss: &'static str,
    pub key: SigningKey,
    /// How long its tokens live unless the request says otherwise.
    pub lifetime_seconds: u64,
}

/// The three demo issuers of `www/policy.json`.
pub fn issuers() -> Vec<DemoIssuer> {
    let mut out = Vec::new();
    if let Some(key) = demo_key(KeyAlgorithm::Es256, "idv-2026-es256") {
        out.push(DemoIssuer { kind: Kind::Identity, iss: "https://idv.example.com", key, lifetime_seconds: 86_400 });
    }
    if let Some(key) = demo_key(KeyAlgorithm::Es256, "edge-2026-1") {
        out.push(DemoIssuer { kind: Kind::Location, iss: "https://edge.example.com", key, lifetime_seconds: 600 });
    }
    if let Some(key) = demo_key(KeyAlgorithm::EdDsa, "org-2026-1") {
        out.push(DemoIssuer {
            kind: Kind::Organization,
            iss: "https://org.example.com",
            key,
            lifetime_seconds: 7 * 86_400,
        });
    }
    out
}

/// Mints a token of `kind` for `claims`, filling `iss`, `aud`, `sub` (unless given), `iat`
/// and `exp` (unless given). The claims are checked exactly as a verifier reads them, so the
/// demo issuer never signs what the widget would call `CLAIM_INVALID`.
///
/// # Errors
/// Which claim is wrong and why.
pub fn mint(issuer: &DemoIssuer, audience: &str, claims_json: &Json, now: u64) -> Result<String, FieldError> {
    let field = Field::root(claims_json);
    let mut members = field.object()?;
    let given_time = |members: &mut crate::core::fields::Members<'_>, name: &str| {
        members.optional(name).map(|f| f.uint(0..=MAX_SAFE_INTEGER)).transpose()
    };
    let iat = given_time(&mut members, "iat")?.unwrap_or(now);
    let exp = given_time(&mut members, "exp")?.unwrap_or(iat.saturating_add(issuer.lifetime_seconds));
    let sub = match members.optional("sub") {
        Some(sub) => sub.short_string(512)?.to_owned(),
        None => DEMO_SUBJECT.to_owned(),
    };
    for reserved in ["iss", "aud"] {
        if let Some(field) = members.optional(reserved) {
            return Err(field.error("is filled in by the demo issuer"));
        }
    }
    let mut payload: Vec<(String, Json)> = vec![
        ("iss".into(), issuer.iss.into()),
        ("sub".into(), sub.into()),
        ("aud".into(), audience.into()),
        ("iat".into(), iat.into()),
        ("exp".into(), exp.into()),
    ];
    for (name, value) in members.rest() {
        payload.push((name.to_owned(), value.json.clone()));
    }
    crate::issue::sign_checked(&issuer.key, issuer.kind, &Json::Object(payload))
}
