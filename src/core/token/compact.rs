//! Compact serialization: size limits, framing and the protected header (SECURITY.md rules
//! 1, 2, 3, 8). Nothing here trusts the token; it only finds its parts.

use super::Algorithm;
use crate::core::base64url;
use crate::core::codes::Code;
use crate::core::json::Json;

/// Largest token accepted, checked before anything else (rule 1).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Largest decoded protected header (rule 1).
pub const MAX_HEADER_BYTES: usize = 1024;
/// Longest `alg`, `typ` or `kid` header value kept.
const MAX_HEADER_VALUE_BYTES: usize = 256;

/// The three segments of a compact JWS, borrowed from the token as received.
#[derive(Debug, Clone, Copy)]
pub struct Segments<'a> {
    pub header: &'a str,
    pub payload: &'a str,
    pub signature: &'a str,
    /// `header.payload` exactly as received: what the signature covers (rule 2: never
    /// re-encoded).
    pub signing_input: &'a str,
}

/// Splits a token into its three segments without allocating.
///
/// # Errors
/// `TOKEN_TOO_LARGE` over 16 KiB; `TOKEN_MALFORMED` unless there are exactly three segments.
pub fn split(token: &str) -> Result<Segments<'_>, Code> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Code::TokenTooLarge);
    }
    let (header, rest) = token.split_once('.').ok_or(Code::TokenMalformed)?;
    let (payload, signature) = rest.split_once('.').ok_or(Code::TokenMalformed)?;
    if signature.contains('.') {
        return Err(Code::TokenMalformed);
    }
    let signing_input = token.get(..header.len() + 1 + payload.len()).ok_or(Code::TokenMalformed)?;
    Ok(Segments { header, payload, signature, signing_input })
}

/// What the verifier reads from the protected header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `alg` as written (kept for the report even when unsupported).
    pub alg_name: String,
    pub alg: Option<Algorithm>,
    pub typ: Option<String>,
    pub kid: Option<String>,
}

/// Decodes and checks the protected header.
///
/// # Errors
/// `TOKEN_MALFORMED` for bad base64url, JSON, size or member types;
/// `CRITICAL_HEADER_UNSUPPORTED` when `crit` or `b64` is present.
pub fn parse_header(segment: &str) -> Result<Header, Code> {
    // The limit is on the decoded header. Unpadded base64url of n bytes is ceil(4n/3) long, so
    // a longer segment is refused before decoding, and the decoded length is checked exactly
    // (a segment of 1,368 characters decodes to 1,026 bytes).
    if segment.len() > (MAX_HEADER_BYTES * 4).div_ceil(3) {
        return Err(Code::TokenMalformed);
    }
    let bytes = base64url::decode(segment.as_bytes()).ok_or(Code::TokenMalformed)?;
    if bytes.len() > MAX_HEADER_BYTES {
        return Err(Code::TokenMalformed);
    }
    let json = json_object(&bytes)?;
    // The widget understands no extension, and RFC 7797's unencoded payload is not for JWTs.
    if json.get("crit").is_some() || json.get("b64").is_some() {
        return Err(Code::CriticalHeaderUnsupported);
    }
    let text = |name: &str| -> Result<Option<String>, Code> {
        match json.get(name) {
            None => Ok(None),
            Some(Json::String(value)) if !value.is_empty() && value.len() <= MAX_HEADER_VALUE_BYTES => {
                Ok(Some(value.clone()))
            }
            Some(_) => Err(Code::TokenMalformed),
        }
    };
    let alg_name = text("alg")?.ok_or(Code::TokenMalformed)?;
    Ok(Header { alg: Algorithm::parse(&alg_name), alg_name, typ: text("typ")?, kid: text("kid")? })
}

/// Decodes a base64url segment holding a JSON object.
///
/// # Errors
/// `TOKEN_MALFORMED` for anything else.
pub fn decode_json_object(segment: &str) -> Result<Json, Code> {
    json_object(&base64url::decode(segment.as_bytes()).ok_or(Code::TokenMalformed)?)
}

fn json_object(bytes: &[u8]) -> Result<Json, Code> {
    let text = std::str::from_utf8(bytes).map_err(|_| Code::TokenMalformed)?;
    match Json::parse(text) {
        Ok(json @ Json::Object(_)) => Ok(json),
        _ => Err(Code::TokenMalformed),
    }
}
