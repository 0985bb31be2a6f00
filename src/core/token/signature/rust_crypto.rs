//! The pure-Rust verifier (p256, ed25519-dalek, rsa): the browser build's, and the reference the
//! native one is compared with.

use super::SignatureVerifier;
use crate::core::token::jwk::{Key, PublicKey};

/// Verifies with the RustCrypto crates and ed25519-dalek.
pub struct RustCrypto;

impl SignatureVerifier for RustCrypto {
    fn verify(&self, key: &Key, signing_input: &[u8], signature: &[u8]) -> bool {
        match key.public() {
            PublicKey::P256(sec1) => p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
                .is_ok_and(|verifying_key| verify_es256(&verifying_key, signing_input, signature)),
            PublicKey::Ed25519(point) => ed25519_dalek::VerifyingKey::from_bytes(point)
                .is_ok_and(|verifying_key| verify_ed25519(&verifying_key, signing_input, signature)),
            #[cfg(feature = "rsa")]
            PublicKey::Rsa { n, e } => {
                rsa::RsaPublicKey::new(rsa::BigUint::from_bytes_be(n), rsa::BigUint::from_bytes_be(e))
                    .is_ok_and(|public_key| verify_rsa(key.alg, &public_key, signing_input, signature))
            }
            #[cfg(not(feature = "rsa"))]
            PublicKey::Rsa { .. } => false,
        }
    }
}

/// ES256: exactly 64 bytes r‖s, never DER. High-S is valid (RFC 7515 A.3 is high-S), so S is not
/// normalised. (`from_slice` refuses r or s of zero or ≥ n again, after the pre-check.)
fn verify_es256(key: &p256::ecdsa::VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier;
    match p256::ecdsa::Signature::from_slice(signature) {
        Ok(signature) => key.verify(message, &signature).is_ok(),
        Err(_) => false,
    }
}

/// Ed25519 with `verify_strict`, which repeats the pre-checks (S < L, no small-order R or key)
/// and compares R byte for byte, so a non-canonical R cannot match.
fn verify_ed25519(key: &ed25519_dalek::VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    let signature = ed25519_dalek::Signature::from_bytes(&bytes);
    key.verify_strict(message, &signature).is_ok()
}

/// RS256 (PKCS#1 v1.5: the rsa crate builds the full expected encoding and compares it, it
/// never parses the DigestInfo) and PS256 (MGF1-SHA-256, salt length 32).
#[cfg(feature = "rsa")]
fn verify_rsa(alg: crate::core::token::Algorithm, key: &rsa::RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    use crate::core::token::Algorithm;
    use rsa::signature::Verifier;
    match alg {
        Algorithm::Rs256 => {
            let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key.clone());
            rsa::pkcs1v15::Signature::try_from(signature).is_ok_and(|sig| verifier.verify(message, &sig).is_ok())
        }
        Algorithm::Ps256 => {
            let verifier = rsa::pss::VerifyingKey::<sha2::Sha256>::new(key.clone());
            rsa::pss::Signature::try_from(signature).is_ok_and(|sig| verifier.verify(message, &sig).is_ok())
        }
        Algorithm::Es256 | Algorithm::EdDsa => false,
    }
}
