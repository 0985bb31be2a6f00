//! The native verifier: aws-lc (through aws-lc-rs), the library rustls already links for TLS,
//! several times faster than the pure-Rust crates for ES256 and RSA, and available in a FIPS
//! 140-3 validated build (aws-lc-rs's `fips` feature) for deployments that must use one.

use super::SignatureVerifier;
use crate::core::token::jwk::{Key, PublicKey};
use crate::core::token::Algorithm;
use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

/// Verifies with aws-lc.
pub struct AwsLc;

impl SignatureVerifier for AwsLc {
    fn verify(&self, key: &Key, signing_input: &[u8], signature_bytes: &[u8]) -> bool {
        match (key.alg, key.public()) {
            // The fixed-width r‖s form, as in JWS; aws-lc does not normalise S either.
            (Algorithm::Es256, PublicKey::P256(sec1)) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, sec1)
                    .verify(signing_input, signature_bytes)
                    .is_ok()
            }
            (Algorithm::EdDsa, PublicKey::Ed25519(point)) => {
                UnparsedPublicKey::new(&signature::ED25519, point).verify(signing_input, signature_bytes).is_ok()
            }
            // PSS with the salt as long as the digest (32 bytes), as the rsa crate expects.
            (Algorithm::Rs256, PublicKey::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PKCS1_2048_8192_SHA256, signing_input, signature_bytes)
                .is_ok(),
            (Algorithm::Ps256, PublicKey::Rsa { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&signature::RSA_PSS_2048_8192_SHA256, signing_input, signature_bytes)
                .is_ok(),
            _ => false,
        }
    }
}
