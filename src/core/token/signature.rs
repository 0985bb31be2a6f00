//! Signature verification for a key already bound to its algorithm (SECURITY.md rules 10–12).

use super::jwk::{Key, KeyMaterial};

/// True when `signature` is a valid signature of `signing_input` under `key`'s algorithm.
pub fn verify(key: &Key, signing_input: &[u8], signature: &[u8]) -> bool {
    if signature.is_empty() {
        return false;
    }
    match &key.material {
        KeyMaterial::P256(verifying_key) => verify_es256(verifying_key, signing_input, signature),
        KeyMaterial::Ed25519(verifying_key) => verify_ed25519(verifying_key, signing_input, signature),
        #[cfg(feature = "rsa")]
        KeyMaterial::Rsa(public_key) => verify_rsa(key.alg, public_key, signing_input, signature),
        #[cfg(not(feature = "rsa"))]
        KeyMaterial::RsaUnsupported => false,
    }
}

/// ES256: exactly 64 bytes r‖s, never DER; r and s in 1..n-1 (`from_slice` refuses zero and
/// values ≥ n, the "psychic signature" of CVE-2022-21449). High-S is valid (RFC 7515 A.3 is
/// high-S), so S is not normalised.
fn verify_es256(key: &p256::ecdsa::VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier;
    if signature.len() != 64 {
        return false;
    }
    match p256::ecdsa::Signature::from_slice(signature) {
        Ok(signature) => key.verify(message, &signature).is_ok(),
        Err(_) => false,
    }
}

/// Ed25519 with `verify_strict`: rejects S ≥ L, small-order R and keys, and non-canonical R.
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
fn verify_rsa(alg: super::Algorithm, key: &rsa::RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    use rsa::signature::Verifier;
    use rsa::traits::PublicKeyParts;
    if signature.len() != key.size() {
        return false;
    }
    match alg {
        super::Algorithm::Rs256 => {
            let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key.clone());
            rsa::pkcs1v15::Signature::try_from(signature).is_ok_and(|sig| verifier.verify(message, &sig).is_ok())
        }
        super::Algorithm::Ps256 => {
            let verifier = rsa::pss::VerifyingKey::<sha2::Sha256>::new(key.clone());
            rsa::pss::Signature::try_from(signature).is_ok_and(|sig| verifier.verify(message, &sig).is_ok())
        }
        super::Algorithm::Es256 | super::Algorithm::EdDsa => false,
    }
}
