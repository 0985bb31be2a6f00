//! Strictness rules on the signature bytes that hold whatever library does the arithmetic: a
//! library that skips one (WebCrypto, an older aws-lc, a future backend) cannot make a forgery
//! verify. All are comparisons of fixed-size big-endian or little-endian numbers; no arithmetic.

use crate::core::token::jwk::{Key, PublicKey};
use crate::core::token::Algorithm;

/// The order n of P-256, big-endian.
const P256_ORDER: [u8; 32] = hex32("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
/// The order L of Ed25519's prime-order subgroup, big-endian.
const ED25519_ORDER: [u8; 32] = hex32("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed");
/// The field prime p = 2^255 − 19, big-endian.
const ED25519_PRIME: [u8; 32] = hex32("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed");
/// y = 1 and y = p − 1, little-endian: the two points with x = 0.
const Y_ONE: [u8; 32] = hex32("0100000000000000000000000000000000000000000000000000000000000000");
const Y_MINUS_ONE: [u8; 32] = hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
/// The canonical encodings of the eight points of small order (the 8-torsion subgroup). With
/// the canonical-encoding check they are the only spellings left to refuse.
pub(super) const ED25519_SMALL_ORDER: [[u8; 32]; 8] = [
    Y_ONE,
    Y_MINUS_ONE,
    hex32("0000000000000000000000000000000000000000000000000000000000000000"),
    hex32("0000000000000000000000000000000000000000000000000000000000000080"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
];

/// False when `signature` breaks a rule of its key's algorithm before any arithmetic.
pub(super) fn acceptable(key: &Key, signature: &[u8]) -> bool {
    match (key.alg, key.public()) {
        (Algorithm::Es256, PublicKey::P256(_)) => es256(signature),
        (Algorithm::EdDsa, PublicKey::Ed25519(_)) => ed25519(signature),
        (Algorithm::Rs256 | Algorithm::Ps256, PublicKey::Rsa { n, .. }) => rsa(n, signature),
        _ => false,
    }
}

/// r ‖ s, 32 bytes each, both in 1..n−1 (a zero r and s verified everything under Java's
/// "psychic signatures", CVE-2022-21449). DER is never accepted.
fn es256(signature: &[u8]) -> bool {
    let Some((r, s)) = halves(signature) else { return false };
    [r, s].iter().all(|half| !is_zero(half) && *half < P256_ORDER)
}

/// R ‖ S: S < L (otherwise S and S + L both verify: malleability), R a canonical encoding that
/// is not a point of small order.
fn ed25519(signature: &[u8]) -> bool {
    let Some((r, s)) = halves(signature) else { return false };
    little_endian_below(&s, &ED25519_ORDER) && canonical_point(&r) && !ED25519_SMALL_ORDER.contains(&r)
}

/// As long as the modulus (RFC 7518 §3.3 and §3.5) and below it as a number (RFC 8017 §5.2.2).
fn rsa(modulus: &[u8], signature: &[u8]) -> bool {
    signature.len() == modulus.len() && signature < modulus
}

/// A 32-byte point encoding whose y is below p, and whose sign bit is clear when x = 0 (the
/// points with y = 1 and y = p − 1): RFC 8032 §5.1.3 lets decoders accept the other spellings.
fn canonical_point(encoding: &[u8; 32]) -> bool {
    let mut y = *encoding;
    let mut sign = false;
    if let Some(last) = y.last_mut() {
        sign = *last & 0x80 != 0;
        *last &= 0x7f;
    }
    little_endian_below(&y, &ED25519_PRIME) && !(sign && (y == Y_ONE || y == Y_MINUS_ONE))
}

/// A 64-byte signature as two 32-byte halves.
fn halves(signature: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let bytes: &[u8; 64] = signature.try_into().ok()?;
    let (first, second) = bytes.split_at(32);
    Some((first.try_into().ok()?, second.try_into().ok()?))
}

fn is_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| *b == 0)
}

/// `value` (little-endian) < `bound` (big-endian).
fn little_endian_below(value: &[u8; 32], bound: &[u8; 32]) -> bool {
    let mut big_endian = *value;
    big_endian.reverse();
    big_endian < *bound
}

/// 64 hex digits as bytes, at compile time (a bad constant fails the build).
#[allow(clippy::indexing_slicing, clippy::panic, reason = "evaluated only at compile time")]
const fn hex32(text: &str) -> [u8; 32] {
    const fn digit(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a lowercase hex digit"),
        }
    }
    let text = text.as_bytes();
    assert!(text.len() == 64, "64 hex digits");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = digit(text[2 * i]) << 4 | digit(text[2 * i + 1]);
        i += 1;
    }
    out
}
