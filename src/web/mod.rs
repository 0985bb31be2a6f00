//! The browser shell (wasm32 only). It does I/O and rendering and never decides: every
//! decision comes from [`crate::core`].
//!
//! - the JS API of SPEC §7: [`evaluate`], [`replay`], [`define`], [`version`]
//! - [`element`]: `<access-check>` (state, inputs, events); [`render`]: report → DOM
//! - [`fetch`], [`clock`], [`owned`]: network, time, and resources released on drop

mod clock;
mod element;
mod fetch;
mod owned;
mod render;

use crate::core::check;
use crate::core::json::Json;
use crate::core::policy::Policy;
use crate::core::report::Report;
use wasm_bindgen::prelude::*;

/// A JS `Error` with `message`.
fn js_error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// The report as a plain JS object (the same snake_case keys as the JSON).
fn report_to_js(report: &Report) -> JsValue {
    js_sys::JSON::parse(&report.to_json().to_compact()).unwrap_or(JsValue::NULL)
}

fn stringify(value: &JsValue) -> Result<String, JsValue> {
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| js_error("access-check: the input cannot be turned into JSON (cycles or BigInt?)"))
}

/// `evaluate(input)` → report (SPEC §7). `input`: `{ policy, tokens, tier?, now?, server_time?,
/// nonce?, lang?, jwks? }`; `now` defaults to the device clock.
///
/// # Errors
/// Throws an `Error` naming what is wrong with the input. An invalid policy is not thrown: it
/// is a report with outcome `error` and `error.code` `POLICY_INVALID`.
#[wasm_bindgen]
pub fn evaluate(input: JsValue) -> Result<JsValue, JsValue> {
    let text = stringify(&input)?;
    crate::core::input::evaluate(&text, clock::now())
        .map(|report| report_to_js(&report))
        .map_err(|error| js_error(&format!("access-check evaluate(): {error}")))
}

/// `replay(supportCode, { policy?, lang? })` → the report the code's user saw.
///
/// # Errors
/// Throws an `Error` for a damaged or foreign code, or an invalid `policy`.
#[wasm_bindgen]
pub fn replay(support_code: &str, options: JsValue) -> Result<JsValue, JsValue> {
    let (policy, lang) = if options.is_undefined() || options.is_null() {
        (None, None)
    } else {
        let options =
            Json::parse(&stringify(&options)?).map_err(|e| js_error(&format!("access-check replay(): {e}")))?;
        let policy = match options.get("policy") {
            None | Some(Json::Null) => None,
            Some(Json::String(text)) => Some(Policy::parse(text)),
            Some(object) => Some(Policy::from_json(object)),
        }
        .transpose()
        .map_err(|error| js_error(&format!("access-check replay(): policy: {error}")))?;
        (policy, options.get("lang").and_then(Json::as_str).map(str::to_owned))
    };
    check::replay(support_code, policy.as_ref(), lang.as_deref())
        .map(|report| report_to_js(&report))
        .map_err(|error| js_error(&format!("access-check replay(): {error}")))
}

/// Registers `<access-check>` (or `tag_name`). Returns false when the name was already taken.
///
/// # Errors
/// Throws when the name is not a valid custom-element name.
#[wasm_bindgen]
pub fn define(tag_name: Option<String>) -> Result<bool, JsValue> {
    element::define(tag_name.as_deref().unwrap_or("access-check"))
}

/// The widget's version.
#[wasm_bindgen]
pub fn version() -> String {
    check::VERSION.to_owned()
}
