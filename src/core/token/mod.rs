//! From an untrusted string to a [`VerifiedAttestation`], or a [`Rejection`] with one stable code.
//!
//! The checks run in a fixed order, so a token always gets the same code: size and framing,
//! header, issuer and kind, key and algorithm, signature, then (only on signed data) claims and
//! time. [`VerifiedAttestation`] has no public constructor: policy evaluation can only ever see
//! facts that passed every check here.

pub mod claims;
pub mod compact;
pub mod jwk;
pub mod signature;

use crate::core::base64url;
use crate::core::codes::Code;
use crate::core::facts::{Facts, Kind};
use crate::core::policy::keys::{IssuerKeys, KeyRing};
use crate::core::policy::Policy;
use signature::SignatureVerifier;

/// A signature algorithm the verifier implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Es256,
    /// Ed25519; the header may say `EdDSA` or `Ed25519` (RFC 9864).
    EdDsa,
    Rs256,
    Ps256,
}

impl Algorithm {
    /// The algorithm a header or JWK names; `none`, `HS256` and the rest are `None`.
    pub fn parse(name: &str) -> Option<Algorithm> {
        match name {
            "ES256" => Some(Algorithm::Es256),
            "EdDSA" | "Ed25519" => Some(Algorithm::EdDsa),
            "RS256" => Some(Algorithm::Rs256),
            "PS256" => Some(Algorithm::Ps256),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::EdDsa => "EdDSA",
            Algorithm::Rs256 => "RS256",
            Algorithm::Ps256 => "PS256",
        }
    }
}

/// What the report says about a token, whatever became of it. `iat` and `exp` are only filled
/// once the signature has been verified: unsigned numbers are not facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenSummary {
    pub kind: Option<Kind>,
    pub iss: Option<String>,
    pub kid: Option<String>,
    pub alg: Option<String>,
    pub iat: Option<u64>,
    pub exp: Option<u64>,
}

/// A refused token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: Code,
    pub summary: TokenSummary,
    /// Where the problem is, when that helps (e.g. the claim path for `CLAIM_INVALID`).
    pub detail: Option<String>,
    /// The token looks issued in the future and no server time was known (SPEC §4).
    pub clock_suspect: bool,
}

/// An attestation that passed every check: signature, issuer, kind, audience, time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedAttestation {
    summary: TokenSummary,
    iat: u64,
    exp: u64,
    nbf: Option<u64>,
    /// The issuer's `max_token_age_seconds` under the policy it was verified with.
    max_age: Option<u64>,
    sub: String,
    nonce: Option<String>,
    facts: Facts,
    /// The payload segment as received: orders two tokens with equal `iat` deterministically
    /// (never the signature, which is malleable).
    payload_segment: String,
}

impl VerifiedAttestation {
    pub fn kind(&self) -> Kind {
        self.facts.kind()
    }
    pub fn summary(&self) -> &TokenSummary {
        &self.summary
    }
    pub fn iat(&self) -> u64 {
        self.iat
    }
    pub fn exp(&self) -> u64 {
        self.exp
    }
    pub fn sub(&self) -> &str {
        &self.sub
    }
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }
    pub fn facts(&self) -> &Facts {
        &self.facts
    }
    /// The order in which "latest `iat` wins" is decided.
    pub fn recency(&self) -> (u64, &str) {
        (self.iat, &self.payload_segment)
    }

    /// Turns a verified token into a rejected one (subject or nonce binding failed).
    pub fn reject(self, code: Code) -> Rejection {
        Rejection { code, summary: self.summary, detail: None, clock_suspect: false }
    }
}

/// The clock a token is judged by.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Server time when known, else the device clock.
    pub now: u64,
    pub leeway: u64,
    pub server_time_known: bool,
    /// The device time the token was received (at most `now`). How a token looked when it
    /// arrived is what can point at the device clock: one that ran out while the page stayed
    /// open did so because time passed.
    pub received: u64,
}

#[derive(Debug, Clone)]
struct Rejecter {
    summary: TokenSummary,
}

impl Rejecter {
    fn reject(&self, code: Code) -> Rejection {
        Rejection { code, summary: self.summary.clone(), detail: None, clock_suspect: false }
    }
    fn claim(&self, error: &crate::core::fields::FieldError) -> Rejection {
        Rejection { detail: Some(error.to_string()), ..self.reject(Code::ClaimInvalid) }
    }
}

/// A token that passed every check that comes before its signature (framing, header, issuer,
/// kind, algorithm, key, and the signature's own strictness rules): what is left is the
/// signature arithmetic, then the checks on signed data ([`AwaitingSignature::finish`]). The
/// browser asks WebCrypto in between; native callers ask a [`SignatureVerifier`] at once
/// ([`verify_attestation`]).
#[derive(Debug, Clone)]
pub struct AwaitingSignature {
    out: Rejecter,
    kind: Kind,
    payload: crate::core::json::Json,
    key: jwk::Key,
    signing_input: String,
    signature: Vec<u8>,
    max_age: Option<u64>,
    payload_segment: String,
}

impl AwaitingSignature {
    /// The key the signature must verify under (bound to one algorithm, [`jwk::Key::alg`]).
    pub fn key(&self) -> &jwk::Key {
        &self.key
    }
    /// The bytes signed: `header.payload` as received.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }
    /// The signature's bytes, already through the strictness rules of [`signature`].
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The token refused because its signature could not be checked here (`KEYS_UNAVAILABLE`,
    /// with `why` as the detail).
    pub fn unverifiable(self, why: &str) -> Rejection {
        Rejection { detail: Some(why.to_owned()), ..self.out.reject(Code::KeysUnavailable) }
    }

    /// The rest of the checks, once the arithmetic has answered `signature_valid`: claims,
    /// audience and time, on signed data only.
    ///
    /// # Errors
    /// `SIGNATURE_INVALID` when the signature did not verify, else the first claim or time check
    /// that failed.
    #[allow(clippy::result_large_err, reason = "at most 8 tokens per evaluation; boxing would buy nothing")]
    pub fn finish(self, signature_valid: bool, audience: &str, clock: Clock) -> Result<VerifiedAttestation, Rejection> {
        let mut out = self.out;
        if !signature_valid {
            return Err(out.reject(Code::SignatureInvalid));
        }
        // Signed data from here on.
        let common = claims::common(&self.payload).map_err(|error| out.claim(&error))?;
        out.summary.iat = Some(common.iat);
        out.summary.exp = Some(common.exp);
        if !common.aud.iter().any(|aud| aud == audience) {
            return Err(out.reject(Code::AudienceMismatch));
        }
        let facts = claims::facts(self.kind, &self.payload, common.iat).map_err(|error| out.claim(&error))?;
        let attestation = VerifiedAttestation {
            summary: out.summary,
            iat: common.iat,
            exp: common.exp,
            nbf: common.nbf,
            max_age: self.max_age,
            sub: common.sub,
            nonce: common.nonce,
            facts,
            payload_segment: self.payload_segment,
        };
        attestation.check_time(clock)?;
        Ok(attestation)
    }
}

/// Every check of one attestation token that comes before the signature arithmetic.
///
/// # Errors
/// A [`Rejection`] with the code of the first check that failed.
#[allow(clippy::result_large_err, reason = "at most 8 tokens per evaluation; boxing would buy nothing")]
pub fn prepare_attestation(token: &str, policy: &Policy, keys: &KeyRing) -> Result<AwaitingSignature, Rejection> {
    let mut out = Rejecter { summary: TokenSummary::default() };
    let segments = compact::split(token).map_err(|code| out.reject(code))?;
    let header = compact::parse_header(segments.header).map_err(|code| out.reject(code))?;
    out.summary.alg = Some(header.alg_name.clone());
    out.summary.kid.clone_from(&header.kid);
    let alg = header.alg.ok_or_else(|| out.reject(Code::AlgorithmNotAllowed))?;
    let kind = header.typ.as_deref().and_then(Kind::from_typ);
    let kind = kind.ok_or_else(|| out.reject(Code::TokenTypeUnknown))?;
    out.summary.kind = Some(kind);

    let payload = compact::decode_json_object(segments.payload).map_err(|code| out.reject(code))?;
    let iss = payload.get("iss").and_then(|iss| iss.as_str());
    let iss = iss.ok_or_else(|| Rejection { detail: Some("iss".into()), ..out.reject(Code::ClaimInvalid) })?;
    out.summary.iss = Some(iss.chars().take(256).collect());

    // Byte-for-byte issuer match (rule 5).
    let issuer = policy.issuers.iter().find(|issuer| issuer.iss == iss);
    let issuer = issuer.ok_or_else(|| out.reject(Code::IssuerUntrusted))?;
    if !issuer.kinds.contains(&kind) {
        return Err(out.reject(Code::IssuerNotAllowedForKind));
    }
    if !issuer.algorithms.contains(&alg) {
        return Err(out.reject(Code::AlgorithmNotAllowed));
    }
    let issuer_keys = match keys.for_issuer(&issuer.iss) {
        IssuerKeys::Available(keys) => keys,
        IssuerKeys::Unavailable => return Err(out.reject(Code::KeysUnavailable)),
    };
    let key = match &header.kid {
        Some(kid) => issuer_keys.iter().find(|key| key.kid.as_deref() == Some(kid.as_str())),
        // Without `kid` the issuer must have exactly one key.
        None => match issuer_keys {
            [only] => Some(only),
            _ => None,
        },
    };
    let key = key.ok_or_else(|| out.reject(Code::KeyUnknown))?;
    if key.alg != alg || !key.is_supported() {
        return Err(out.reject(Code::AlgorithmNotAllowed));
    }
    let signature_bytes =
        base64url::decode(segments.signature.as_bytes()).ok_or_else(|| out.reject(Code::TokenMalformed))?;
    // The strictness rules no library is trusted with run here, before any arithmetic.
    if !signature::acceptable(key, &signature_bytes) {
        return Err(out.reject(Code::SignatureInvalid));
    }
    Ok(AwaitingSignature {
        out,
        kind,
        payload,
        key: key.clone(),
        signing_input: segments.signing_input.to_owned(),
        signature: signature_bytes,
        max_age: issuer.max_token_age_seconds,
        payload_segment: segments.payload.to_owned(),
    })
}

/// Verifies one attestation token against the policy's issuers and keys, leaving only the
/// signature arithmetic to `verifier`.
///
/// # Errors
/// A [`Rejection`] with the code of the first check that failed.
#[allow(clippy::result_large_err, reason = "at most 8 tokens per evaluation; boxing would buy nothing")]
pub fn verify_attestation(
    token: &str,
    policy: &Policy,
    keys: &KeyRing,
    clock: Clock,
    verifier: &dyn SignatureVerifier,
) -> Result<VerifiedAttestation, Rejection> {
    let awaiting = prepare_attestation(token, policy, keys)?;
    let valid = verifier.verify(awaiting.key(), awaiting.signing_input(), awaiting.signature());
    awaiting.finish(valid, &policy.audience, clock)
}

impl VerifiedAttestation {
    /// The time checks of SPEC §4 at `clock`: what a cached verification must pass again on
    /// every use (everything else about a token does not depend on the clock).
    ///
    /// # Errors
    /// `TOKEN_EXPIRED`, `TOKEN_NOT_YET_VALID` (with `clock_suspect` when no server time is
    /// known and `iat` is in the future, or a short-lived token was long past its end when it
    /// was received),
    /// `TOKEN_TOO_OLD`.
    #[allow(clippy::result_large_err, reason = "at most 8 tokens per evaluation; boxing would buy nothing")]
    pub fn check_time(&self, clock: Clock) -> Result<(), Rejection> {
        check_time(self.iat, self.exp, self.nbf, self.max_age, clock).map_err(|code| {
            let suspect = !clock.server_time_known
                && match code {
                    Code::TokenNotYetValid => self.iat > clock.now.saturating_add(clock.leeway),
                    // A token meant to be renewed every few minutes that already looked hours
                    // past its end when it arrived was most likely issued moments before to a
                    // device whose clock is ahead.
                    Code::TokenExpired => {
                        short_lived(self.iat, self.exp) && clock.received.saturating_sub(self.exp) >= SHORT_LIVED
                    }
                    _ => false,
                };
            Rejection { code, summary: self.summary.clone(), detail: None, clock_suspect: suspect }
        })
    }
}

/// A token living at most this long (seconds) is one its issuer expects to be renewed (a
/// location check); one that looks this far past its end points at the device clock.
const SHORT_LIVED: u64 = 3600;

/// Whether a token issued at `iat` and ending at `exp` is one its issuer expects to renew.
pub fn short_lived(iat: u64, exp: u64) -> bool {
    exp.saturating_sub(iat) <= SHORT_LIVED
}

/// Time checks of SPEC §4, with leeway in the user's favour only at the edges.
fn check_time(iat: u64, exp: u64, nbf: Option<u64>, max_age: Option<u64>, clock: Clock) -> Result<(), Code> {
    let Clock { now, leeway, .. } = clock;
    // Claims are at most 2^53, but a library caller may pass any `now`: saturate, never wrap.
    if exp.saturating_add(leeway) <= now {
        return Err(Code::TokenExpired);
    }
    let latest = now.saturating_add(leeway);
    if nbf.is_some_and(|nbf| nbf > latest) || iat > latest {
        return Err(Code::TokenNotYetValid);
    }
    if max_age.is_some_and(|max_age| iat.saturating_add(max_age).saturating_add(leeway) < now) {
        return Err(Code::TokenTooOld);
    }
    Ok(())
}

/// Signature check only (the CLI's `verify`): framing, header, key binding and signature; no
/// claims, any payload.
///
/// # Errors
/// The stable code of the first check that failed.
#[cfg(not(target_arch = "wasm32"))]
pub fn verify_signature_only(token: &str, key: &jwk::Key) -> Result<Vec<u8>, Code> {
    verify_signature_only_with(token, key, signature::default_verifier())
}

/// [`verify_signature_only`] with the arithmetic left to `verifier`.
///
/// # Errors
/// As [`verify_signature_only`].
pub fn verify_signature_only_with(
    token: &str,
    key: &jwk::Key,
    verifier: &dyn SignatureVerifier,
) -> Result<Vec<u8>, Code> {
    let check = prepare_signature_only(token, key)?;
    if verifier.verify(key, check.signing_input.as_bytes(), &check.signature) {
        Ok(check.payload)
    } else {
        Err(Code::SignatureInvalid)
    }
}

/// A signature-only check with every rule but the arithmetic applied.
#[derive(Debug, Clone)]
pub struct SignatureOnly {
    pub payload: Vec<u8>,
    pub signing_input: String,
    pub signature: Vec<u8>,
}

/// Framing, header, key binding and the signature's strictness rules of a signature-only
/// check; what is left is the arithmetic.
///
/// # Errors
/// The stable code of the first check that failed.
pub fn prepare_signature_only(token: &str, key: &jwk::Key) -> Result<SignatureOnly, Code> {
    let segments = compact::split(token)?;
    let header = compact::parse_header(segments.header)?;
    if header.alg != Some(key.alg) || !key.is_supported() {
        return Err(Code::AlgorithmNotAllowed);
    }
    if let (Some(wanted), Some(have)) = (&header.kid, &key.kid) {
        if wanted != have {
            return Err(Code::KeyUnknown);
        }
    }
    let payload = base64url::decode(segments.payload.as_bytes()).ok_or(Code::TokenMalformed)?;
    let signature = base64url::decode(segments.signature.as_bytes()).ok_or(Code::TokenMalformed)?;
    if !signature::acceptable(key, &signature) {
        return Err(Code::SignatureInvalid);
    }
    Ok(SignatureOnly { payload, signing_input: segments.signing_input.to_owned(), signature })
}
