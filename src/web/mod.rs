//! The browser shell (wasm32 only). It does I/O and rendering and never decides: every
//! decision comes from [`crate::core`].
//!
//! - the JS API of SPEC §7: [`evaluate`], [`compile`], [`replay`], [`define`], [`version`]
//! - [`compiled`]: a policy read once, and the browser's way of deciding; [`webcrypto`]: the
//!   signature arithmetic (SPEC §13)
//! - [`element`]: `<access-check>` (state, inputs, events); [`render`]: report → DOM
//! - [`fetch`], [`clock`], [`owned`]: network, time, and resources released on drop

mod clock;
mod compiled;
mod element;
mod fetch;
mod languages;
mod owned;
mod render;
mod webcrypto;

use crate::core::check;
use crate::core::input::{self, WithPolicy};
use crate::core::json::Json;
use crate::core::policy::Policy;
use crate::core::report::Report;
use compiled::Compiled;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The public types (`Report`, `ReasonCode`, `EvaluateInput`, the element and its events…),
/// written by hand: what wasm-bindgen would infer is `any`.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

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

/// `evaluate(input)` → a Promise of the report (SPEC §7). `input`: `{ policy, tokens, tier?,
/// now?, server_time?, nonce?, lang?, jwks? }`; `now` defaults to the device clock.
///
/// Rejects with an `Error` naming what is wrong with the input. An invalid policy is not a
/// rejection: it is a report with outcome `error` and `error.code` `POLICY_INVALID`.
#[wasm_bindgen(unchecked_return_type = "Promise<Report>")]
pub fn evaluate(#[wasm_bindgen(unchecked_param_type = "EvaluateInput")] input: JsValue) -> js_sys::Promise {
    let read = read_input(&input, WithPolicy::Required, "evaluate()");
    wasm_bindgen_futures::future_to_promise(async move {
        let (policy, request) = read?;
        let report = match policy {
            Some(Ok(policy)) => Compiled::new(policy).decide(&request).await,
            Some(Err(error)) => {
                languages::ensure(&request.lang).await;
                check::policy_error(&error, &request)
            }
            None => return Err(js_error("access-check evaluate(): policy: is required")),
        };
        Ok(report_to_js(&report))
    })
}

/// An `evaluate` input read on the device's clock; the error names the function (`what`).
fn read_input(input: &JsValue, with_policy: WithPolicy, what: &str) -> Result<input::Input, JsValue> {
    let text = stringify(input)?;
    input::read(&text, clock::now(), with_policy).map_err(|error| js_error(&format!("access-check {what}: {error}")))
}

/// `compile(policy)` → a Promise of a [`CompiledPolicy`]: the policy (object or JSON text)
/// parsed and validated once, its keys imported into WebCrypto once. Rejects with an `Error`
/// naming the JSON path of what is invalid.
#[wasm_bindgen(unchecked_return_type = "Promise<CompiledPolicy>")]
pub fn compile(#[wasm_bindgen(unchecked_param_type = "PolicyDocument | string")] policy: JsValue) -> js_sys::Promise {
    let parsed = policy_from_js(&policy).map_err(|error| js_error(&format!("access-check compile(): {error}")));
    wasm_bindgen_futures::future_to_promise(async move {
        let compiled = Rc::new(Compiled::new(parsed?));
        compiled.import_keys().await;
        Ok(CompiledPolicy { inner: compiled }.into())
    })
}

/// A policy or its JSON text, parsed strictly.
fn policy_from_js(policy: &JsValue) -> Result<Policy, String> {
    if !policy.is_object() && !policy.is_string() {
        return Err("the policy must be an object or its JSON text".to_owned());
    }
    let text = stringify(policy).map_err(|_| "the policy cannot be turned into JSON".to_owned())?;
    let json = Json::parse(&text).map_err(|error| format!("policy: {error}"))?;
    Policy::from_json_or_text(&json).map_err(|error| format!("policy: {error}"))
}

/// What [`compile`] gives: `evaluate({ tokens, tier?, now?, server_time?, nonce?, lang?, jwks? })`
/// → a Promise of the same report `evaluate` gives for this policy.
#[wasm_bindgen]
pub struct CompiledPolicy {
    inner: Rc<Compiled>,
}

#[wasm_bindgen]
impl CompiledPolicy {
    /// Rejects with an `Error` naming what is wrong with the input (a `policy` member included:
    /// the policy is the compiled one).
    #[wasm_bindgen(unchecked_return_type = "Promise<Report>")]
    pub fn evaluate(&self, #[wasm_bindgen(unchecked_param_type = "CompiledInput")] input: JsValue) -> js_sys::Promise {
        let compiled = self.inner.clone();
        let read = read_input(&input, WithPolicy::Refused, "compiled.evaluate()");
        wasm_bindgen_futures::future_to_promise(async move {
            let (_, request) = read?;
            Ok(report_to_js(&compiled.decide(&request).await))
        })
    }

    /// The policy's `version`.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.policy.version.clone()
    }
}

/// `replay(supportCode, { policy?, lang? })` → the report the code's user saw.
///
/// # Errors
/// Throws an `Error` for a damaged or foreign code, or an invalid `policy`.
/// (Declared in types.d.ts, where `options` can be optional.)
#[wasm_bindgen(skip_typescript)]
pub fn replay(support_code: &str, options: Option<js_sys::Object>) -> Result<JsValue, JsValue> {
    languages::install_country_names();
    let (policy, lang) = match options {
        None => (None, None),
        Some(options) => {
            let options =
                Json::parse(&stringify(&options)?).map_err(|e| js_error(&format!("access-check replay(): {e}")))?;
            let policy = options
                .get("policy")
                .filter(|policy| !matches!(policy, Json::Null))
                .map(Policy::from_json_or_text)
                .transpose()
                .map_err(|error| js_error(&format!("access-check replay(): policy: {error}")))?;
            (policy, options.get("lang").and_then(Json::as_str).map(str::to_owned))
        }
    };
    check::replay(support_code, policy.as_ref(), lang.as_deref())
        .map(|report| report_to_js(&report))
        .map_err(|error| js_error(&format!("access-check replay(): {error}")))
}

/// `loadLanguage(lang)` → a Promise of whether the wording for `lang` is now loaded. `evaluate`,
/// `compile`d evaluations and the element load a language by themselves; call this before a
/// `replay` (which is synchronous) in a language not used yet.
#[wasm_bindgen(js_name = loadLanguage, unchecked_return_type = "Promise<boolean>")]
pub fn load_language(lang: String) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move { Ok(languages::ensure(&lang).await.into()) })
}

/// Registers `<access-check>` (or `tag_name`). Returns false when the name was already taken.
///
/// # Errors
/// Throws when the name is not a valid custom-element name.
#[wasm_bindgen]
pub fn define(tag_name: Option<String>) -> Result<bool, JsValue> {
    element::define(tag_name.as_deref().unwrap_or("access-check"))
}

/// The signature-only check (the CLI's `verify`) with the browser's arithmetic: for tests that
/// hold the WebCrypto path to the native verdicts. A signature WebCrypto cannot check is
/// `KEYS_UNAVAILABLE`.
///
/// # Errors
/// The stable code of the first check that failed.
#[doc(hidden)]
pub async fn verify_signature_only(
    token: &str,
    key: &crate::core::token::jwk::Key,
) -> Result<Vec<u8>, crate::core::codes::Code> {
    use crate::core::check::{SignatureCheck, Verdict};
    use crate::core::codes::Code;
    let prepared = crate::core::token::prepare_signature_only(token, key)?;
    let check =
        SignatureCheck { key, signing_input: prepared.signing_input.as_bytes(), signature: &prepared.signature };
    match webcrypto::verify_all(&[check]).await.first() {
        Some(Verdict::Valid) => Ok(prepared.payload),
        Some(Verdict::Unverifiable(_)) => Err(Code::KeysUnavailable),
        _ => Err(Code::SignatureInvalid),
    }
}

/// The widget's version.
#[wasm_bindgen]
pub fn version() -> String {
    check::VERSION.to_owned()
}
