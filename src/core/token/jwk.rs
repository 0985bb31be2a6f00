//! JWK and JWKS parsing with validation (SECURITY.md rules 6, 11, 12, 13).
//!
//! A key comes out of here bound to exactly one algorithm: its `alg`, or the only algorithm its
//! type allows among those the issuer lists. The token's `alg` header must then equal it; the
//! token never chooses how it is checked.

use super::Algorithm;
use crate::core::base64url;
use crate::core::fields::{quoted, Field, FieldError};

/// Most keys one issuer may publish; a bigger set is refused rather than scanned.
pub const MAX_KEYS: usize = 16;
/// Longest `kid` accepted.
pub const MAX_KID_BYTES: usize = 256;

/// JWK members that are allowed and ignored (certificate material is never used to find or
/// trust a key: rule 7).
const IGNORED_MEMBERS: &[&str] = &["x5c", "x5t", "x5t#S256", "x5u", "ext"];
/// Private-key members: a JWKS in a policy or on a public URL must never carry them.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// A public key usable for verification, bound to one algorithm.
#[derive(Clone)]
pub struct Key {
    pub kid: Option<String>,
    pub alg: Algorithm,
    public: PublicKey,
}

/// A checked public key in the encoding signature libraries take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// The SEC1 uncompressed point `04 ‖ x ‖ y`.
    P256([u8; 65]),
    /// The 32-byte encoding of the point A (RFC 8032).
    Ed25519([u8; 32]),
    /// Modulus and exponent, big-endian, without leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("kid", &self.kid).field("alg", &self.alg).finish_non_exhaustive()
    }
}

impl Key {
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// False for an RSA key in a build without the `rsa` feature: it can never verify.
    pub fn is_supported(&self) -> bool {
        cfg!(feature = "rsa") || !matches!(self.public, PublicKey::Rsa { .. })
    }
}

/// The key family a JWK's `kty`/`crv` declares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    P256,
    Ed25519,
    Rsa,
}

impl Family {
    fn allows(self, alg: Algorithm) -> bool {
        match self {
            Family::P256 => alg == Algorithm::Es256,
            Family::Ed25519 => alg == Algorithm::EdDsa,
            Family::Rsa => matches!(alg, Algorithm::Rs256 | Algorithm::Ps256),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Family::P256 => "an EC P-256 key",
            Family::Ed25519 => "an Ed25519 key",
            Family::Rsa => "an RSA key",
        }
    }
}

/// Reads a JWKS (`{"keys": [...]}`) for an issuer that allows `algorithms`.
///
/// Keys whose `use` is not `sig`, or whose `key_ops` lacks `verify`, are left out: they are
/// valid JWKs, just never for verifying.
///
/// # Errors
/// Unknown or private members, invalid points, short RSA moduli, duplicate `kid`s, too many
/// keys, an algorithm the issuer does not allow, or a key that could serve two algorithms.
pub fn parse_jwks(field: &Field<'_>, algorithms: &[Algorithm]) -> Result<Vec<Key>, FieldError> {
    let mut members = field.object()?;
    let keys_field = members.required("keys")?;
    members.finish()?;
    let mut keys = Vec::new();
    let mut kids: Vec<Option<String>> = Vec::new();
    for key_field in keys_field.bounded_array(MAX_KEYS, false)? {
        let (kid, key) = parse_jwk(&key_field, algorithms)?;
        if kid.is_some() && kids.contains(&kid) {
            return Err(key_field.error("two keys share this kid"));
        }
        kids.push(kid);
        keys.extend(key);
    }
    Ok(keys)
}

/// Reads one public JWK. Returns its `kid`, and the key unless `use`/`key_ops` forbid
/// verification with it.
///
/// # Errors
/// As [`parse_jwks`].
pub fn parse_jwk(field: &Field<'_>, algorithms: &[Algorithm]) -> Result<(Option<String>, Option<Key>), FieldError> {
    let mut members = field.object()?;
    for private in PRIVATE_MEMBERS {
        if let Some(found) = members.optional(private) {
            return Err(found.error("is private key material; publish only public keys"));
        }
    }
    let kty_field = members.required("kty")?;
    let kty = kty_field.string()?;
    let kid = match members.optional("kid") {
        Some(kid) => Some(kid.short_string(MAX_KID_BYTES)?.to_owned()),
        None => None,
    };
    let usable_for_verify = read_use(&mut members)?;
    let declared_alg = match members.optional("alg") {
        Some(alg_field) => {
            let name = alg_field.string()?;
            let alg = Algorithm::parse(name)
                .ok_or_else(|| alg_field.error(format!("{} is not a supported algorithm", quoted(name))))?;
            Some((alg, alg_field))
        }
        None => None,
    };
    let (family, public) = match kty {
        "EC" => read_ec(&mut members)?,
        "OKP" => read_okp(&mut members)?,
        "RSA" => read_rsa(&mut members)?,
        other => return Err(kty_field.error(format!("key type {} is not supported", quoted(other)))),
    };
    for ignored in IGNORED_MEMBERS {
        members.optional(ignored);
    }
    members.finish()?;

    let alg = match declared_alg {
        Some((alg, alg_field)) => {
            if !family.allows(alg) {
                return Err(alg_field.error(format!("{} cannot be used with {}", alg.as_str(), family.describe())));
            }
            if !algorithms.contains(&alg) {
                return Err(alg_field.error(format!("{} is not among the issuer's algorithms", alg.as_str())));
            }
            alg
        }
        None => bind_algorithm(field, family, algorithms)?,
    };
    let key = usable_for_verify.then(|| Key { kid: kid.clone(), alg, public });
    Ok((kid, key))
}

/// The single algorithm a key without `alg` can serve among the issuer's.
fn bind_algorithm(field: &Field<'_>, family: Family, algorithms: &[Algorithm]) -> Result<Algorithm, FieldError> {
    let mut candidates = algorithms.iter().copied().filter(|alg| family.allows(*alg));
    match (candidates.next(), candidates.next()) {
        (Some(alg), None) => Ok(alg),
        (None, _) => Err(field.error(format!("{} matches none of the issuer's algorithms", family.describe()))),
        (Some(first), Some(second)) => Err(field.error(format!(
            "{} without \"alg\" could serve both {} and {}; give it an \"alg\"",
            family.describe(),
            first.as_str(),
            second.as_str()
        ))),
    }
}

/// `use` and `key_ops`: returns whether verification is permitted.
fn read_use(members: &mut crate::core::fields::Members<'_>) -> Result<bool, FieldError> {
    let mut usable = true;
    if let Some(use_field) = members.optional("use") {
        usable &= use_field.string()? == "sig";
    }
    if let Some(ops_field) = members.optional("key_ops") {
        let ops = ops_field.distinct_list(8, |op| op.string())?;
        usable &= ops.contains(&"verify");
    }
    Ok(usable)
}

/// A base64url member that must decode to exactly `len` bytes.
fn fixed_bytes<const N: usize>(field: &Field<'_>) -> Result<[u8; N], FieldError> {
    let bytes =
        base64url::decode(field.string()?.as_bytes()).ok_or_else(|| field.error("is not strict unpadded base64url"))?;
    bytes.try_into().map_err(|bytes: Vec<u8>| field.error(format!("is {} bytes long; expected {N}", bytes.len())))
}

/// A key's family and its checked encoding.
type ReadKey = (Family, PublicKey);

fn read_ec(members: &mut crate::core::fields::Members<'_>) -> Result<ReadKey, FieldError> {
    let crv_field = members.required("crv")?;
    let crv = crv_field.string()?;
    if crv != "P-256" {
        return Err(crv_field.error(format!("curve {} is not supported; use P-256", quoted(crv))));
    }
    let x_field = members.required("x")?;
    let y_field = members.required("y")?;
    let x: [u8; 32] = fixed_bytes(&x_field)?;
    let y: [u8; 32] = fixed_bytes(&y_field)?;
    let mut sec1 = [4u8; 65]; // 04: uncompressed point
    for (to, from) in sec1.iter_mut().skip(1).zip(x.iter().chain(y.iter())) {
        *to = *from;
    }
    // Rejects points off the curve and the point at infinity (p256's field arithmetic only:
    // no signature code).
    p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| x_field.error("x and y are not a point on P-256"))?;
    Ok((Family::P256, PublicKey::P256(sec1)))
}

fn read_okp(members: &mut crate::core::fields::Members<'_>) -> Result<ReadKey, FieldError> {
    let crv_field = members.required("crv")?;
    let crv = crv_field.string()?;
    if crv != "Ed25519" {
        return Err(crv_field.error(format!("curve {} is not supported; use Ed25519", quoted(crv))));
    }
    let x_field = members.required("x")?;
    let x: [u8; 32] = fixed_bytes(&x_field)?;
    // Curve arithmetic once per key, with curve25519-dalek's point decoding and variable-base
    // multiplication only (no signature code, no precomputed tables).
    let point = curve25519_dalek::edwards::CompressedEdwardsY(x)
        .decompress()
        .ok_or_else(|| x_field.error("is not an Ed25519 public key"))?;
    // A small-order key verifies forged signatures under lenient verifiers (rule 11); and a
    // non-canonical encoding would give one key two spellings.
    if point.is_small_order() {
        return Err(x_field.error("is a small-order (weak) Ed25519 key"));
    }
    // A key with a small-order component (mixed order) is not in the prime-order subgroup:
    // verifiers disagree about signatures under it, and no honest key generator makes one.
    if !point.is_torsion_free() {
        return Err(x_field.error("is not in the prime-order subgroup (it has a small-order component)"));
    }
    if point.compress().to_bytes() != x {
        return Err(x_field.error("is not the canonical encoding of an Ed25519 key"));
    }
    Ok((Family::Ed25519, PublicKey::Ed25519(x)))
}

/// Smallest and largest RSA moduli accepted, in bits (rule 12; the upper bound caps the cost
/// of one verification).
pub const RSA_MIN_BITS: usize = 2048;
pub const RSA_MAX_BITS: usize = 4096;

fn read_rsa(members: &mut crate::core::fields::Members<'_>) -> Result<ReadKey, FieldError> {
    let n_field = members.required("n")?;
    let e_field = members.required("e")?;
    let n = base64url::decode(n_field.string()?.as_bytes())
        .ok_or_else(|| n_field.error("is not strict unpadded base64url"))?;
    let e = base64url::decode(e_field.string()?.as_bytes())
        .ok_or_else(|| e_field.error("is not strict unpadded base64url"))?;
    // Each problem is reported at the member that has it.
    for (bytes, field) in [(&n, &n_field), (&e, &e_field)] {
        if bytes.first() == Some(&0) {
            return Err(field.error("must be a minimal big-endian integer (no leading zero bytes)"));
        }
    }
    let n_bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&n_bits) {
        return Err(
            n_field.error(format!("the modulus has {n_bits} bits; {RSA_MIN_BITS} to {RSA_MAX_BITS} are accepted"))
        );
    }
    if n.last().is_some_and(|b| b % 2 == 0) {
        return Err(n_field.error("the modulus is even"));
    }
    let exponent = (e.len() <= 4).then(|| e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)));
    match exponent {
        Some(value) if value >= 3 && value % 2 == 1 => {}
        _ => return Err(e_field.error("the public exponent must be an odd number from 3 to 2^32-1")),
    }
    Ok((Family::Rsa, PublicKey::Rsa { n, e }))
}
