//! Demo and test token minting. DEMO ONLY: the keys are derived from public seed strings, so
//! anyone can sign with them. Never trust these keys outside tests and the demo.

#![allow(dead_code, reason = "each test binary uses a different part")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "test support")]

use access_check::core::base64url;
use access_check::core::json::{object, Json};
use sha2::{Digest, Sha256};

pub enum Signer {
    Es256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// A signing key with its public JWK.
pub struct DemoKey {
    pub kid: String,
    pub alg: &'static str,
    pub signer: Signer,
}

fn seed(label: &str) -> [u8; 32] {
    Sha256::digest(format!("access-check demo key (DEMO ONLY): {label}").as_bytes()).into()
}

impl DemoKey {
    pub fn es256(kid: &str) -> DemoKey {
        let key = p256::ecdsa::SigningKey::from_bytes(&seed(kid).into()).expect("seed is a valid scalar");
        DemoKey { kid: kid.to_owned(), alg: "ES256", signer: Signer::Es256(key) }
    }

    pub fn ed25519(kid: &str) -> DemoKey {
        DemoKey {
            kid: kid.to_owned(),
            alg: "EdDSA",
            signer: Signer::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed(kid))),
        }
    }

    /// The public JWK, with `kid`, `alg` and `use`.
    pub fn public_jwk(&self) -> Json {
        match &self.signer {
            Signer::Es256(key) => {
                let point = key.verifying_key().to_encoded_point(false);
                object([
                    ("kty", "EC".into()),
                    ("crv", "P-256".into()),
                    ("kid", self.kid.as_str().into()),
                    ("alg", "ES256".into()),
                    ("use", "sig".into()),
                    ("x", base64url::encode(point.x().unwrap()).into()),
                    ("y", base64url::encode(point.y().unwrap()).into()),
                ])
            }
            Signer::Ed25519(key) => object([
                ("kty", "OKP".into()),
                ("crv", "Ed25519".into()),
                ("kid", self.kid.as_str().into()),
                ("alg", "EdDSA".into()),
                ("use", "sig".into()),
                ("x", base64url::encode(key.verifying_key().as_bytes()).into()),
            ]),
        }
    }

    /// The private JWK (for the scenario files' demo-only section).
    pub fn private_jwk(&self) -> Json {
        let Json::Object(mut members) = self.public_jwk() else { unreachable!() };
        let d = match &self.signer {
            Signer::Es256(key) => base64url::encode(&key.to_bytes()),
            Signer::Ed25519(key) => base64url::encode(key.as_bytes()),
        };
        members.push(("d".into(), d.into()));
        Json::Object(members)
    }

    pub fn sign_bytes(&self, message: &[u8]) -> Vec<u8> {
        match &self.signer {
            Signer::Es256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
            Signer::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                key.sign(message).to_bytes().to_vec()
            }
        }
    }

    /// Signs any header and claims, exactly as given.
    pub fn sign_json(&self, header: &Json, claims: &Json) -> String {
        self.sign_segments(
            &base64url::encode(header.to_compact().as_bytes()),
            &base64url::encode(claims.to_compact().as_bytes()),
        )
    }

    pub fn sign_segments(&self, header_b64: &str, payload_b64: &str) -> String {
        let input = format!("{header_b64}.{payload_b64}");
        let signature = self.sign_bytes(input.as_bytes());
        format!("{input}.{}", base64url::encode(&signature))
    }

    /// The usual header: `alg`, `typ` and `kid`.
    pub fn header(&self, typ: &str) -> Json {
        object([("alg", self.alg.into()), ("typ", typ.into()), ("kid", self.kid.as_str().into())])
    }
}

/// A JWKS of public keys.
pub fn jwks(keys: &[&DemoKey]) -> Json {
    object([("keys", Json::Array(keys.iter().map(|key| key.public_jwk()).collect()))])
}

/// Adds or replaces members of an object.
pub fn with(base: &Json, changes: &[(&str, Json)]) -> Json {
    let Json::Object(mut members) = base.clone() else { panic!("not an object") };
    for (name, value) in changes {
        match members.iter_mut().find(|(key, _)| key == name) {
            Some((_, existing)) => *existing = value.clone(),
            None => members.push(((*name).to_owned(), value.clone())),
        }
    }
    Json::Object(members)
}

/// Removes members of an object.
pub fn without(base: &Json, names: &[&str]) -> Json {
    let Json::Object(members) = base.clone() else { panic!("not an object") };
    Json::Object(members.into_iter().filter(|(key, _)| !names.contains(&key.as_str())).collect())
}

/// Parses JSON written in a test.
pub fn json(text: &str) -> Json {
    Json::parse(text).unwrap_or_else(|error| panic!("bad test JSON {text}: {error}"))
}
