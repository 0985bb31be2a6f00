//! The seam between the verifier's rules and signature arithmetic (SECURITY.md rules 10–12).
//!
//! Everything a fast or foreign library might be lax about runs here, in Rust, first: the
//! signature's length, ES256's r and s in 1..n-1, Ed25519's S < L and a canonical R that is not
//! of small order, an RSA signature below its modulus. (Keys were checked when their JWK was
//! read: on the curve, canonical, in Ed25519's prime-order subgroup, RSA size and exponent.) Only
//! then is a [`SignatureVerifier`] asked the one question left: does this signature verify under
//! this key? Native builds answer with aws-lc (`AwsLc`; the pure-Rust crates, `RustCrypto`, are
//! the reference it is compared with), the browser with WebCrypto; `tests/signature_seam.rs` and
//! the browser tests hold them to the same verdict on every vector.

mod strict;

#[cfg(not(target_arch = "wasm32"))]
mod aws_lc;
#[cfg(not(target_arch = "wasm32"))]
mod rust_crypto;

#[cfg(not(target_arch = "wasm32"))]
pub use aws_lc::AwsLc;
#[cfg(not(target_arch = "wasm32"))]
pub use rust_crypto::RustCrypto;

use super::jwk::Key;

/// Signature arithmetic only. Called after every pre-check of this module has passed, with a key
/// bound to one algorithm ([`Key::alg`]) whose encoding is [`Key::public`].
pub trait SignatureVerifier: Sync {
    /// True when `signature` is a valid signature of `signing_input` under `key`.
    fn verify(&self, key: &Key, signing_input: &[u8], signature: &[u8]) -> bool;
}

/// The verifier native builds use: aws-lc (about 4× faster for ES256 than the pure-Rust crates,
/// see BENCHMARKS.md). The browser has no synchronous verifier: it asks WebCrypto
/// (`src/web/webcrypto.rs`) between [`crate::core::check::begin`] and its `finish`.
#[cfg(not(target_arch = "wasm32"))]
pub fn default_verifier() -> &'static dyn SignatureVerifier {
    &AwsLc
}

/// The pre-checks alone: false when `signature` breaks a rule of its key's algorithm (or the
/// key cannot be used by this build), before any arithmetic.
pub fn acceptable(key: &Key, signature: &[u8]) -> bool {
    key.is_supported() && strict::acceptable(key, signature)
}

/// The pre-checks, then `verifier`.
pub fn verify_with(verifier: &dyn SignatureVerifier, key: &Key, signing_input: &[u8], signature: &[u8]) -> bool {
    acceptable(key, signature) && verifier.verify(key, signing_input, signature)
}
