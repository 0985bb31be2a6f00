//! The demo issuer: DEMO ONLY. Its keys are derived from public strings (the same derivation
//! as `www/scenarios/*.json` and `www/policy.json`), so anyone can mint tokens with them. It
//! exists so the playground and the support console can make users on the spot; a real
//! deployment gets attestations from real identity, edge and organization issuers.

use crate::core::base64url;
use crate::core::facts::Kind;
use crate::core::fields::{Field, FieldError};
use crate::core::json::{object, Json, MAX_SAFE_INTEGER};
use crate::core::token::claims;
use sha2::{Digest, Sha256};

/// The one demo subject, used unless a request names another.
pub const DEMO_SUBJECT: &str = "user-7d2f0a";

/// A demo signing key. DEMO ONLY.
pub enum DemoKey {
    Es256 { kid: &'static str, key: p256::ecdsa::SigningKey },
    Ed25519 { kid: &'static str, key: ed25519_dalek::SigningKey },
}

fn seed(kid: &str) -> [u8; 32] {
    Sha256::digest(format!("access-check demo key (DEMO ONLY): {kid}").as_bytes()).into()
}

impl DemoKey {
    fn es256(kid: &'static str) -> Option<DemoKey> {
        let key = p256::ecdsa::SigningKey::from_bytes(&seed(kid).into()).ok()?;
        Some(DemoKey::Es256 { kid, key })
    }

    fn ed25519(kid: &'static str) -> DemoKey {
        DemoKey::Ed25519 { kid, key: ed25519_dalek::SigningKey::from_bytes(&seed(kid)) }
    }

    fn alg_and_kid(&self) -> (&'static str, &'static str) {
        match self {
            DemoKey::Es256 { kid, .. } => ("ES256", kid),
            DemoKey::Ed25519 { kid, .. } => ("EdDSA", kid),
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            DemoKey::Es256 { key, .. } => {
                use p256::ecdsa::signature::Signer;
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
            DemoKey::Ed25519 { key, .. } => {
                use ed25519_dalek::Signer;
                key.sign(message).to_bytes().to_vec()
            }
        }
    }

    /// The public JWK.
    pub fn public_jwk(&self) -> Json {
        match self {
            DemoKey::Es256 { kid, key } => {
                let point = key.verifying_key().to_encoded_point(false);
                let coordinate =
                    |c: Option<&p256::FieldBytes>| base64url::encode(c.map(|c| &c[..]).unwrap_or_default());
                object([
                    ("kty", "EC".into()),
                    ("crv", "P-256".into()),
                    ("kid", (*kid).into()),
                    ("alg", "ES256".into()),
                    ("use", "sig".into()),
                    ("x", coordinate(point.x()).into()),
                    ("y", coordinate(point.y()).into()),
                ])
            }
            DemoKey::Ed25519 { kid, key } => object([
                ("kty", "OKP".into()),
                ("crv", "Ed25519".into()),
                ("kid", (*kid).into()),
                ("alg", "EdDSA".into()),
                ("use", "sig".into()),
                ("x", base64url::encode(key.verifying_key().as_bytes()).into()),
            ]),
        }
    }
}

/// One demo issuer per kind.
pub struct DemoIssuer {
    pub kind: Kind,
    pub iss: &'static str,
    pub key: DemoKey,
    /// How long its tokens live unless the request says otherwise.
    pub lifetime_seconds: u64,
}

/// The three demo issuers of `www/policy.json`.
pub fn issuers() -> Vec<DemoIssuer> {
    let mut out = Vec::new();
    if let Some(key) = DemoKey::es256("idv-2026-es256") {
        out.push(DemoIssuer { kind: Kind::Identity, iss: "https://idv.example.com", key, lifetime_seconds: 86_400 });
    }
    if let Some(key) = DemoKey::es256("edge-2026-1") {
        out.push(DemoIssuer { kind: Kind::Location, iss: "https://edge.example.com", key, lifetime_seconds: 600 });
    }
    out.push(DemoIssuer {
        kind: Kind::Organization,
        iss: "https://org.example.com",
        key: DemoKey::ed25519("org-2026-1"),
        lifetime_seconds: 7 * 86_400,
    });
    out
}

/// The public keys of every demo issuer, as a JWKS.
pub fn jwks(issuers: &[DemoIssuer]) -> Json {
    object([("keys", Json::Array(issuers.iter().map(|issuer| issuer.key.public_jwk()).collect()))])
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
    let payload = Json::Object(payload);
    claims::common(&payload)?;
    claims::facts(issuer.kind, &payload, iat)?;
    let (alg, kid) = issuer.key.alg_and_kid();
    let header = object([("alg", alg.into()), ("typ", issuer.kind.typ().into()), ("kid", kid.into())]);
    let input = format!(
        "{}.{}",
        base64url::encode(header.to_compact().as_bytes()),
        base64url::encode(payload.to_compact().as_bytes())
    );
    let signature = issuer.key.sign(input.as_bytes());
    Ok(format!("{input}.{}", base64url::encode(&signature)))
}
