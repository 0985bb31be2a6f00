//! The input of the JavaScript `evaluate(input)` (SPEC §7), read from JSON:
//! `{ policy, tokens: [..], tier?, now?, server_time?, nonce?, lang?, jwks? }`.
//!
//! Pure, so the JS contract is tested natively; the wasm export only converts JS values to
//! JSON text and back. `policy` may be the policy object or its JSON text (text is parsed
//! strictly, so duplicate keys are caught; an object has already been through `JSON.parse`).

#[cfg(not(target_arch = "wasm32"))]
use crate::core::check;
use crate::core::check::Request;
use crate::core::fields::{Field, FieldError};
use crate::core::json::{Json, MAX_SAFE_INTEGER};
use crate::core::policy::keys::FetchedJwks;
use crate::core::policy::Policy;
#[cfg(not(target_arch = "wasm32"))]
use crate::core::report::Report;

/// Clocks at or past this many seconds (the year 5138) are taken for milliseconds and refused.
pub const MILLISECONDS_THRESHOLD: u64 = 100_000_000_000;

/// Largest input document accepted: 8 tokens of 16 KiB, a policy, and room for JWKS.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// Reads an `evaluate` input and decides. Input the caller got wrong (not an object, `tokens`
/// not a list of strings, a bad number) is an error for the integrator; a policy that does not
/// validate is a report with `error` / `POLICY_INVALID`, like every other configuration error.
///
/// # Errors
/// What is wrong with the input, with its path.
#[cfg(not(target_arch = "wasm32"))]
pub fn evaluate(text: &str, device_now: u64) -> Result<Report, FieldError> {
    let (policy, request) = read(text, device_now, WithPolicy::Required)?;
    Ok(match policy {
        Some(Ok(policy)) => check::check(&policy, &request),
        Some(Err(error)) => check::policy_error(&error, &request),
        None => check::policy_error(&FieldError { path: "policy".into(), message: "is required".into() }, &request),
    })
}

/// Whether the input carries the policy (`evaluate(input)`) or must not (a compiled policy's
/// `evaluate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithPolicy {
    Required,
    Refused,
}

/// What [`read`] gives: the policy (when [`WithPolicy::Required`]: parsed, or why it is
/// invalid) and the request.
pub type Input = (Option<Result<Policy, FieldError>>, Request);

/// Reads an input: the policy (when [`WithPolicy::Required`]: parsed, or why it is invalid)
/// and the request.
///
/// # Errors
/// What is wrong with the input, with its path.
pub fn read(text: &str, device_now: u64, with_policy: WithPolicy) -> Result<Input, FieldError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(FieldError {
            path: String::new(),
            message: format!("the input is larger than {MAX_INPUT_BYTES} bytes"),
        });
    }
    let json = Json::parse(text).map_err(|error| FieldError {
        path: String::new(),
        message: format!("the input is not valid JSON: {error}"),
    })?;
    let root = Field::root(&json);
    let mut members = root.object()?;
    let policy_field = match with_policy {
        WithPolicy::Required => Some(members.required("policy")?),
        WithPolicy::Refused => None,
    };
    let tokens = match members.optional("tokens") {
        Some(field) => field.array()?.iter().map(|t| t.string().map(str::to_owned)).collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let optional_text =
        |field: Option<Field<'_>>, max: usize| field.map(|f| f.short_string(max).map(str::to_owned)).transpose();
    let tier = optional_text(members.optional("tier"), 64)?;
    let nonce = optional_text(members.optional("nonce"), 512)?;
    let lang = optional_text(members.optional("lang"), 35)?.unwrap_or_else(|| "en".to_owned());
    // Seconds since the epoch. A value past 10^11 (the year 5138) is a clock read in
    // milliseconds (`Date.now()`): refused, since as seconds it would expire every token.
    let seconds = |field: Option<Field<'_>>| {
        field
            .map(|f| {
                let value = f.uint(0..=MAX_SAFE_INTEGER)?;
                if value >= MILLISECONDS_THRESHOLD {
                    return Err(f.error(format!(
                        "{value} looks like milliseconds; give seconds since the epoch (Math.floor(Date.now() / 1000))"
                    )));
                }
                Ok(value)
            })
            .transpose()
    };
    let now = seconds(members.optional("now"))?.unwrap_or(device_now);
    let server_time = seconds(members.optional("server_time"))?;
    let fetched_jwks = match members.optional("jwks") {
        Some(field) => read_jwks_map(&field)?,
        None => Vec::new(),
    };
    members.finish()?;
    let request = Request { tokens, tier, now, server_time, nonce, lang, fetched_jwks, received_at: Vec::new() };
    let policy = policy_field.map(|field| Policy::from_json_or_text(field.json));
    Ok((policy, request))
}

/// `jwks`: `{ "<jwks_uri>": <JWKS object or its text> }`, documents the caller fetched.
fn read_jwks_map(field: &Field<'_>) -> Result<Vec<FetchedJwks>, FieldError> {
    let mut members = field.object()?;
    members
        .rest()
        .into_iter()
        .map(|(uri, value)| {
            let text = match value.json {
                Json::String(text) => text.clone(),
                Json::Object(_) => value.json.to_compact(),
                _ => return Err(value.error("expected a JWKS object or its JSON text")),
            };
            Ok(FetchedJwks { uri: uri.to_owned(), text })
        })
        .collect()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::policy::evaluate::Outcome;

    const POLICY: &str = r#"{"version":"1","audience":"https://app.example",
      "issuers":[{"iss":"https://edge.example","kinds":["location"],"algorithms":["ES256"],"jwks_uri":"https://edge.example/jwks"}],
      "tiers":[{"id":"standard","require":{"location":{"countries_not_in":["KP"]}}}]}"#;

    #[test]
    fn reads_the_policy_as_object_or_text_and_defaults_the_clock() {
        let as_object = evaluate(&format!(r#"{{"policy":{POLICY}}}"#), 1_800_000_000).unwrap();
        let as_text =
            evaluate(&format!(r#"{{"policy":{}}}"#, Json::String(POLICY.into()).to_compact()), 1_800_000_000).unwrap();
        assert_eq!(as_object.tiers, as_text.tiers);
        assert_eq!(as_object.clock.now, 1_800_000_000);
        // Nothing was fetched from the issuer's jwks_uri: the site's problem, not the user's.
        assert_eq!(as_object.outcome, Outcome::Error);
        let later = evaluate(&format!(r#"{{"policy":{POLICY},"now":5,"server_time":7,"lang":"es"}}"#), 1).unwrap();
        assert_eq!((later.clock.now, later.clock.server_time), (5, Some(7)));
    }

    #[test]
    fn an_invalid_policy_is_an_error_report_and_bad_input_an_error() {
        let report = evaluate(r#"{"policy":{"version":"1"}}"#, 0).unwrap();
        assert_eq!(report.outcome, Outcome::Error);
        assert_eq!(report.error.unwrap().code.as_str(), "POLICY_INVALID");
        let duplicate =
            Json::String(POLICY.replacen(r#""version":"1""#, r#""version":"1","version":"2""#, 1)).to_compact();
        let report = evaluate(&format!(r#"{{"policy":{duplicate}}}"#), 0).unwrap();
        assert!(report.error.unwrap().message.contains("duplicate member name"));
        for (input, expected) in [
            ("[]", "expected an object"),
            (r#"{"tokens":[]}"#, "the member \"policy\" is required"),
            (r#"{"policy":{},"tokens":"a.b.c"}"#, "tokens: expected an array"),
            (r#"{"policy":{},"tokens":[1]}"#, "tokens[0]: expected a string"),
            (r#"{"policy":{},"now":-1}"#, "now: -1 is not a whole number"),
            (r#"{"policy":{},"now":1800000000000}"#, "now: 1800000000000 looks like milliseconds"),
            (r#"{"policy":{},"server_time":100000000000}"#, "server_time: 100000000000 looks like milliseconds"),
            (r#"{"policy":{},"colour":1}"#, "colour: is not a known field"),
            (r#"{"policy":{},"jwks":{"https://x":1}}"#, "jwks.https://x: expected a JWKS"),
        ] {
            let error = evaluate(input, 0).unwrap_err().to_string();
            assert!(error.contains(expected), "{input}: {error}");
        }
    }
}
