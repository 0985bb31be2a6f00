//! Issuing attestations (SPEC §12), for the CLI (`keys generate`, `issue`), Rust back ends and
//! the server's own issuers. Native only.
//!
//! Claims are checked by the verifier's own readers ([`claims::common`], [`claims::facts`]):
//! a token this module signs is never one the verifier would call `CLAIM_INVALID`.
//!
//! ```
//! use access_check::core::facts::Kind;
//! use access_check::core::json::Json;
//! use access_check::issue::{issue, Attestation, KeyAlgorithm, SigningKey};
//! let key = SigningKey::generate(KeyAlgorithm::Es256, None).unwrap();
//! let claims = Json::parse(r#"{"country": "US", "anonymizer": "none"}"#).unwrap();
//! let token = issue(&key, &Attestation {
//!     kind: Kind::Location, iss: "https://edge.example", aud: "https://app.example",
//!     sub: "user-1", now: 1_800_000_000, ttl_seconds: 300, claims: &claims,
//! }).unwrap();
//! assert_eq!(token.split('.').count(), 3);
//! ```

use crate::core::base64url;
use crate::core::facts::Kind;
use crate::core::fields::{Field, FieldError};
use crate::core::json::{object, Json, MAX_SAFE_INTEGER};
use crate::core::token::claims;
use sha2::{Digest, Sha256};

/// The algorithms keys are generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    Es256,
    EdDsa,
}

impl KeyAlgorithm {
    pub fn parse(name: &str) -> Option<KeyAlgorithm> {
        match name {
            "ES256" => Some(KeyAlgorithm::Es256),
            "EdDSA" | "Ed25519" => Some(KeyAlgorithm::EdDsa),
            _ => None,
        }
    }
}

enum Secret {
    Es256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// A private signing key with its `kid`.
pub struct SigningKey {
    pub kid: String,
    secret: Secret,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// 32 bytes from the operating system's secure random source (through aws-lc).
fn random_bytes() -> Result<[u8; 32], String> {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).map_err(|_| "no secure random source".to_owned())?;
    Ok(bytes)
}

/// The RFC 7638 thumbprint of a public JWK's required members.
pub fn thumbprint(public: &Json) -> String {
    let member = |name: &str| public.get(name).and_then(Json::as_str).unwrap_or_default();
    let canonical = match member("kty") {
        "EC" => object([
            ("crv", member("crv").into()),
            ("kty", "EC".into()),
            ("x", member("x").into()),
            ("y", member("y").into()),
        ]),
        _ => object([("crv", member("crv").into()), ("kty", member("kty").into()), ("x", member("x").into())]),
    };
    base64url::encode(&Sha256::digest(canonical.to_compact().as_bytes()))
}

impl SigningKey {
    /// A new key from a secure random source; its `kid` is the RFC 7638 thumbprint unless given.
    ///
    /// # Errors
    /// No secure random source.
    pub fn generate(alg: KeyAlgorithm, kid: Option<String>) -> Result<SigningKey, String> {
        let secret = match alg {
            KeyAlgorithm::Es256 => loop {
                // A random 32-byte string is a valid scalar except with probability ~2^-32.
                if let Ok(key) = p256::ecdsa::SigningKey::from_bytes(&random_bytes()?.into()) {
                    break Secret::Es256(key);
                }
            },
            KeyAlgorithm::EdDsa => Secret::Ed25519(ed25519_dalek::SigningKey::from_bytes(&random_bytes()?)),
        };
        let mut key = SigningKey { kid: String::new(), secret };
        key.kid = kid.unwrap_or_else(|| thumbprint(&key.public_members()));
        Ok(key)
    }

    /// A key from its private scalar or seed (the demo issuer derives these from public
    /// strings; real keys come from [`SigningKey::generate`] or a private JWK).
    ///
    /// # Errors
    /// The bytes are not a valid P-256 scalar.
    pub fn from_secret(alg: KeyAlgorithm, kid: &str, secret: &[u8; 32]) -> Result<SigningKey, String> {
        let secret = match alg {
            KeyAlgorithm::Es256 => Secret::Es256(
                p256::ecdsa::SigningKey::from_bytes(&(*secret).into())
                    .map_err(|_| "not a valid P-256 private key".to_owned())?,
            ),
            KeyAlgorithm::EdDsa => Secret::Ed25519(ed25519_dalek::SigningKey::from_bytes(secret)),
        };
        Ok(SigningKey { kid: kid.to_owned(), secret })
    }

    pub fn alg(&self) -> &'static str {
        match self.secret {
            Secret::Es256(_) => "ES256",
            Secret::Ed25519(_) => "EdDSA",
        }
    }

    fn public_members(&self) -> Json {
        match &self.secret {
            Secret::Es256(key) => {
                let point = key.verifying_key().to_encoded_point(false);
                let coordinate =
                    |c: Option<&p256::FieldBytes>| base64url::encode(c.map(|c| &c[..]).unwrap_or_default());
                object([
                    ("kty", "EC".into()),
                    ("crv", "P-256".into()),
                    ("x", coordinate(point.x()).into()),
                    ("y", coordinate(point.y()).into()),
                ])
            }
            Secret::Ed25519(key) => object([
                ("kty", "OKP".into()),
                ("crv", "Ed25519".into()),
                ("x", base64url::encode(key.verifying_key().as_bytes()).into()),
            ]),
        }
    }

    /// The public JWK, with `kid`, `alg` and `use`.
    pub fn public_jwk(&self) -> Json {
        let Json::Object(mut members) = self.public_members() else { return Json::Null };
        members.push(("kid".into(), self.kid.as_str().into()));
        members.push(("alg".into(), self.alg().into()));
        members.push(("use".into(), "sig".into()));
        Json::Object(members)
    }

    /// The private JWK (the public one plus `d`). Keep it secret.
    pub fn private_jwk(&self) -> Json {
        let Json::Object(mut members) = self.public_jwk() else { return Json::Null };
        let d = match &self.secret {
            Secret::Es256(key) => base64url::encode(&key.to_bytes()),
            Secret::Ed25519(key) => base64url::encode(key.as_bytes()),
        };
        members.push(("d".into(), d.into()));
        Json::Object(members)
    }

    /// Reads a private JWK written by [`SigningKey::private_jwk`] (or any P-256 / Ed25519
    /// private JWK with `kid`); the public members must belong to `d`.
    ///
    /// # Errors
    /// What is wrong with it, by member.
    pub fn from_private_jwk(json: &Json) -> Result<SigningKey, FieldError> {
        let root = Field::root(json);
        let mut members = root.object()?;
        let kty = members.required("kty")?;
        let crv = members.required("crv")?;
        let alg = match (kty.string()?, crv.string()?) {
            ("EC", "P-256") => KeyAlgorithm::Es256,
            ("OKP", "Ed25519") => KeyAlgorithm::EdDsa,
            _ => return Err(kty.error("must be an EC P-256 or OKP Ed25519 key")),
        };
        let kid = members.required("kid")?.short_string(crate::core::token::jwk::MAX_KID_BYTES)?.to_owned();
        if kid.is_empty() {
            return Err(root.error("kid must not be empty"));
        }
        let d_field = members.required("d")?;
        let d = base64url::decode(d_field.string()?.as_bytes())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| d_field.error("is not 32 bytes of base64url"))?;
        let key = SigningKey::from_secret(alg, &kid, &d).map_err(|message| d_field.error(message))?;
        // Every public member given must be the key's own.
        let public = key.public_members();
        for name in ["x", "y"] {
            if let Some(given) = members.optional(name) {
                if Some(given.string()?) != public.get(name).and_then(Json::as_str) {
                    return Err(given.error("does not belong to the private key \"d\""));
                }
            }
        }
        if let Some(declared) = members.optional("alg") {
            if declared.string()? != key.alg() {
                return Err(declared.error(format!("must be {} for this key", key.alg())));
            }
        }
        members.optional("use");
        members.optional("key_ops");
        members.finish()?;
        Ok(key)
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.secret {
            Secret::Es256(key) => {
                use p256::ecdsa::signature::Signer;
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
            Secret::Ed25519(key) => {
                use ed25519_dalek::Signer;
                key.sign(message).to_bytes().to_vec()
            }
        }
    }
}

/// What to attest.
pub struct Attestation<'a> {
    pub kind: Kind,
    pub iss: &'a str,
    pub aud: &'a str,
    pub sub: &'a str,
    /// `iat`, seconds since the epoch.
    pub now: u64,
    pub ttl_seconds: u64,
    /// The kind's claims (SPEC §2), without `iss`, `sub`, `aud`, `iat` and `exp`.
    pub claims: &'a Json,
}

/// Signs one attestation token: header `alg`, `typ` and `kid` from the key and kind, `iat` now,
/// `exp` after the ttl, then the claims, checked as the verifier reads them.
///
/// # Errors
/// A claim the verifier would refuse (with its path), or one the caller may not set.
pub fn issue(key: &SigningKey, attestation: &Attestation<'_>) -> Result<String, FieldError> {
    let field = Field::root(attestation.claims);
    let mut members = field.object()?;
    for reserved in ["iss", "sub", "aud", "iat", "exp"] {
        if let Some(given) = members.optional(reserved) {
            return Err(given.error("is set by the issuer (--iss, --sub, --aud, --ttl), not by the claims"));
        }
    }
    if attestation.ttl_seconds == 0 {
        return Err(field.error("the ttl must be at least one second"));
    }
    let exp = attestation.now.saturating_add(attestation.ttl_seconds);
    if exp > MAX_SAFE_INTEGER {
        return Err(field.error("the token would expire after 2^53 − 1 seconds"));
    }
    let mut payload: Vec<(String, Json)> = vec![
        ("iss".into(), attestation.iss.into()),
        ("sub".into(), attestation.sub.into()),
        ("aud".into(), attestation.aud.into()),
        ("iat".into(), attestation.now.into()),
        ("exp".into(), exp.into()),
    ];
    for (name, value) in members.rest() {
        payload.push((name.to_owned(), value.json.clone()));
    }
    let payload = Json::Object(payload);
    claims::common(&payload)?;
    claims::facts(attestation.kind, &payload, attestation.now)?;
    Ok(sign_jws(key, attestation.kind.typ(), &payload.to_compact()))
}

/// A compact JWS over the bytes of `payload`, with `alg`, `typ` and `kid` in the header.
pub fn sign_jws(key: &SigningKey, typ: &str, payload: &str) -> String {
    let header = object([("alg", key.alg().into()), ("typ", typ.into()), ("kid", key.kid.as_str().into())]);
    let input =
        format!("{}.{}", base64url::encode(header.to_compact().as_bytes()), base64url::encode(payload.as_bytes()));
    let signature = key.sign(input.as_bytes());
    format!("{input}.{}", base64url::encode(&signature))
}

/// Largest private key file read.
const MAX_KEY_FILE_BYTES: usize = 64 * 1024;

/// A key file's JSON, read with a bound; errors name the file.
///
/// # Errors
/// It cannot be read, is larger than a key file, or is not JSON.
pub fn read_jwk_file(path: &std::path::Path) -> Result<Json, String> {
    let text = crate::server::read_text_file(path, MAX_KEY_FILE_BYTES)?;
    if text.len() > MAX_KEY_FILE_BYTES {
        return Err(format!("{} is larger than a key file", path.display()));
    }
    Json::parse(&text).map_err(|error| format!("{}: {error}", path.display()))
}

/// Reads a private JWK file (as [`write_private_jwk`] writes it); errors name the file.
///
/// # Errors
/// As [`read_jwk_file`]; or it is a JWKS of public keys, or not a key
/// [`SigningKey::from_private_jwk`] accepts.
pub fn read_private_jwk(path: &std::path::Path) -> Result<SigningKey, String> {
    let shown = path.display();
    let json = read_jwk_file(path)?;
    if json.get("keys").is_some() {
        return Err(format!(
            "{shown}: a JWKS of public keys, not a private JWK (the private.jwk.json `keys generate` writes)"
        ));
    }
    SigningKey::from_private_jwk(&json).map_err(|error| format!("{shown}: {error}"))
}

/// Writes `key`'s private JWK to a new file `path` readable by its owner only (mode 0600 from
/// creation, never widened); an existing file is an error.
///
/// # Errors
/// The file exists or cannot be written.
pub fn write_private_jwk(path: &std::path::Path, key: &SigningKey) -> Result<(), String> {
    use std::io::Write;
    let shown = path.display();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|error| format!("cannot create {shown}: {error}"))?;
    file.write_all(key.private_jwk().to_pretty().as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|error| format!("cannot write {shown}: {error}"))
}

/// The demo issuer's entry point: `payload` is complete (its issuer filled it in) and is
/// checked as the verifier reads it before signing.
///
/// # Errors
/// A claim the verifier would refuse.
pub fn sign_checked(key: &SigningKey, kind: Kind, payload: &Json) -> Result<String, FieldError> {
    let common = claims::common(payload)?;
    claims::facts(kind, payload, common.iat)?;
    Ok(sign_jws(key, kind.typ(), &payload.to_compact()))
}
