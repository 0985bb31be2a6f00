//! The keys each issuer can be checked with in one evaluation: inline `jwks`, or the JWKS its
//! `jwks_uri` served (fetched by the caller; the core never does I/O).

use super::Policy;
use crate::core::fields::{Field, FieldError};
use crate::core::json::Json;
use crate::core::token::jwk::{self, Key};

/// Most bytes of a fetched JWKS document accepted.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// A JWKS document fetched from a `jwks_uri`, as text.
#[derive(Debug, Clone)]
pub struct FetchedJwks {
    pub uri: String,
    pub text: String,
}

/// Keys per issuer for one evaluation.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    issuers: Vec<(String, Option<Vec<Key>>)>,
    /// Why a fetched set was unusable, for the integrator's console.
    pub problems: Vec<String>,
}

pub enum IssuerKeys<'a> {
    Available(&'a [Key]),
    /// Only a `jwks_uri` and nothing usable was fetched from it.
    Unavailable,
}

impl KeyRing {
    /// Resolves every issuer's keys: inline ones, else the fetched JWKS for its `jwks_uri`,
    /// validated exactly like inline keys.
    pub fn new(policy: &Policy, fetched: &[FetchedJwks]) -> KeyRing {
        let mut ring = KeyRing::default();
        for (index, issuer) in policy.issuers.iter().enumerate() {
            let keys = match (&issuer.keys, &issuer.jwks_uri) {
                (Some(keys), _) => Some(keys.clone()),
                (None, Some(uri)) => match fetched.iter().find(|jwks| jwks.uri == *uri) {
                    Some(jwks) => match parse_fetched(&jwks.text, index, &issuer.algorithms) {
                        Ok(keys) => Some(keys),
                        Err(error) => {
                            ring.problems.push(format!("the JWKS at {uri} is unusable: {error}"));
                            None
                        }
                    },
                    None => None,
                },
                (None, None) => None,
            };
            ring.issuers.push((issuer.iss.clone(), keys));
        }
        ring
    }

    /// Whether some issuer the policy trusts for `kind` has a key this build can verify with.
    /// When none has, a missing attestation of that kind is the site's problem
    /// (`KEYS_UNAVAILABLE`), not something the user can fix by verifying again.
    pub fn can_verify(&self, policy: &Policy, kind: crate::core::facts::Kind) -> bool {
        policy.issuers.iter().filter(|issuer| issuer.kinds.contains(&kind)).any(|issuer| {
            matches!(self.for_issuer(&issuer.iss), IssuerKeys::Available(keys) if keys.iter().any(Key::is_supported))
        })
    }

    /// Every key of every issuer (for a caller that prepares keys ahead, like the browser's
    /// WebCrypto import).
    pub fn all_keys(&self) -> Vec<&Key> {
        self.issuers.iter().filter_map(|(_, keys)| keys.as_ref()).flatten().collect()
    }

    pub fn for_issuer(&self, iss: &str) -> IssuerKeys<'_> {
        match self.issuers.iter().find(|(name, _)| name == iss) {
            Some((_, Some(keys))) => IssuerKeys::Available(keys),
            _ => IssuerKeys::Unavailable,
        }
    }
}

/// Whether a fetched JWKS document gives the issuer at `issuer_index` usable keys, checked
/// exactly as evaluation will read it (the server keeps its last good document otherwise).
///
/// # Errors
/// What is wrong with the document, with its path.
pub fn check_fetched(policy: &Policy, issuer_index: usize, text: &str) -> Result<usize, FieldError> {
    let issuer = policy
        .issuers
        .get(issuer_index)
        .ok_or_else(|| FieldError { path: format!("issuers[{issuer_index}]"), message: "no such issuer".to_owned() })?;
    let keys = parse_fetched(text, issuer_index, &issuer.algorithms)?;
    Ok(keys.iter().filter(|key| key.is_supported()).count())
}

fn parse_fetched(
    text: &str,
    issuer_index: usize,
    algorithms: &[crate::core::token::Algorithm],
) -> Result<Vec<Key>, FieldError> {
    let path = format!("issuers[{issuer_index}].jwks_uri");
    if text.len() > MAX_JWKS_BYTES {
        return Err(FieldError { path, message: format!("larger than {MAX_JWKS_BYTES} bytes") });
    }
    let json = Json::parse(text).map_err(|error| FieldError { path: path.clone(), message: error.to_string() })?;
    jwk::parse_jwks(&Field::under(&json, &path), algorithms)
}
