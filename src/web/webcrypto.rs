//! The browser's signature arithmetic: `crypto.subtle.verify` (SPEC §13). The core has already
//! applied every strictness rule (lengths, ranges, canonical encodings, small-order points, keys
//! checked when their JWK was read); WebCrypto is asked only whether a signature verifies.
//!
//! Keys are imported once per page (a [`CryptoKey`] per public key, whatever policy names it),
//! and the checks of one evaluation run concurrently (`Promise.all`). A browser whose WebCrypto
//! lacks an algorithm (Ed25519 before Safari 17 and Firefox 129) gets [`Verdict::Unverifiable`]
//! naming it: the token is refused as `KEYS_UNAVAILABLE`, never accepted.

use crate::core::check::{SignatureCheck, Verdict};
use crate::core::token::jwk::{Key, PublicKey};
use crate::core::token::Algorithm;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

/// Imported keys kept for the page's life; a page that cycles through more keys than this
/// starts over (a policy has at most a few).
const MAX_KEYS: usize = 64;

/// A key's identity ([`identity`]) and its imported form, or why it could not be imported.
type Imported = (Vec<u8>, Result<CryptoKey, String>);

thread_local! {
    static IMPORTED: RefCell<Vec<Imported>> = const { RefCell::new(Vec::new()) };
}

fn subtle() -> Result<SubtleCrypto, String> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(|_| "no crypto object".to_owned())?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(|_| "no crypto.subtle".to_owned())?;
    // Absent outside secure contexts (http:// pages other than localhost).
    subtle.dyn_into::<SubtleCrypto>().map_err(|_| {
        "this page has no WebCrypto (crypto.subtle exists only on https:// pages and localhost)".to_owned()
    })
}

fn object(members: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in members {
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object
}

/// WebCrypto's name and parameters for verifying with `alg`.
fn verify_parameters(alg: Algorithm) -> Object {
    match alg {
        Algorithm::Es256 => object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]),
        Algorithm::EdDsa => object(&[("name", "Ed25519".into())]),
        Algorithm::Rs256 => object(&[("name", "RSASSA-PKCS1-v1_5".into())]),
        // RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash.
        Algorithm::Ps256 => object(&[("name", "RSA-PSS".into()), ("saltLength", 32.into())]),
    }
}

/// What the algorithm is called in a sentence for the integrator and the support agent.
fn described(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::Es256 => "ES256 (ECDSA P-256)",
        Algorithm::EdDsa => "EdDSA (Ed25519)",
        Algorithm::Rs256 => "RS256 (RSASSA-PKCS1-v1_5)",
        Algorithm::Ps256 => "PS256 (RSA-PSS)",
    }
}

/// The identity of a key for the import cache: its algorithm and public bytes.
fn identity(key: &Key) -> Vec<u8> {
    let mut id = vec![key.alg as u8];
    match key.public() {
        PublicKey::P256(point) => id.extend_from_slice(point),
        PublicKey::Ed25519(point) => id.extend_from_slice(point),
        PublicKey::Rsa { n, e } => {
            id.extend_from_slice(&(n.len() as u32).to_be_bytes());
            id.extend_from_slice(n);
            id.extend_from_slice(e);
        }
    }
    id
}

/// `importKey` for one key, not awaited.
fn start_import(subtle: &SubtleCrypto, key: &Key) -> Result<Promise, JsValue> {
    let usages: JsValue = Array::of1(&"verify".into()).into();
    match (key.alg, key.public()) {
        (Algorithm::Es256, PublicKey::P256(point)) => {
            let algorithm = object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]);
            subtle.import_key_with_object("raw", &Uint8Array::from(&point[..]), &algorithm, false, &usages)
        }
        (Algorithm::EdDsa, PublicKey::Ed25519(point)) => {
            let algorithm = object(&[("name", "Ed25519".into())]);
            subtle.import_key_with_object("raw", &Uint8Array::from(&point[..]), &algorithm, false, &usages)
        }
        (alg @ (Algorithm::Rs256 | Algorithm::Ps256), PublicKey::Rsa { n, e }) => {
            let name = if alg == Algorithm::Rs256 { "RSASSA-PKCS1-v1_5" } else { "RSA-PSS" };
            let encode = |bytes: &[u8]| JsValue::from_str(&crate::core::base64url::encode(bytes));
            let jwk = object(&[("kty", "RSA".into()), ("n", encode(n)), ("e", encode(e))]);
            let algorithm = object(&[("name", name.into()), ("hash", "SHA-256".into())]);
            subtle.import_key_with_object("jwk", &jwk, &algorithm, false, &usages)
        }
        _ => Err(JsValue::from_str("the key does not match its algorithm")),
    }
}

/// Why WebCrypto refused, in words: a missing algorithm is named as such.
fn refusal(alg: Algorithm, error: &JsValue) -> String {
    let name = Reflect::get(error, &"name".into()).ok().and_then(|name| name.as_string()).unwrap_or_default();
    if name == "NotSupportedError" {
        format!("this browser cannot check {} signatures: its WebCrypto does not support the algorithm", described(alg))
    } else {
        format!(
            "this browser's WebCrypto could not use a {} key ({})",
            described(alg),
            if name.is_empty() { "error" } else { &name }
        )
    }
}

/// Imports the keys a compiled policy will use, before its first decision.
pub async fn import_keys(keys: &[&Key]) {
    if let Ok(subtle) = subtle() {
        import_missing(&subtle, keys).await;
    }
}

/// Imports every key of `keys` not imported yet, concurrently.
async fn import_missing(subtle: &SubtleCrypto, keys: &[&Key]) {
    let mut wanted: Vec<(Vec<u8>, &Key)> = Vec::new();
    for key in keys.iter().copied().filter(|key| key.is_supported()) {
        let id = identity(key);
        let known = IMPORTED.with(|imported| imported.borrow().iter().any(|(known, _)| *known == id));
        if !known && !wanted.iter().any(|(other, _)| *other == id) {
            wanted.push((id, key));
        }
    }
    if wanted.is_empty() {
        return;
    }
    // Each import settles on its own: one unsupported algorithm must not fail the others.
    let settled: Array = wanted
        .iter()
        .map(|(_, key)| match start_import(subtle, key) {
            Ok(promise) => JsValue::from(promise),
            Err(error) => JsValue::from(Promise::reject(&error)),
        })
        .collect();
    let results = JsFuture::from(Promise::all_settled(&settled)).await.unwrap_or_else(|_| Array::new().into());
    let results: Array = results.unchecked_into();
    IMPORTED.with(|imported| {
        let mut imported = imported.borrow_mut();
        if imported.len() + wanted.len() > MAX_KEYS {
            imported.clear();
        }
        for (index, (id, key)) in wanted.into_iter().enumerate() {
            let result = results.get(index as u32);
            let fulfilled = Reflect::get(&result, &"status".into()).ok().and_then(|s| s.as_string()).as_deref()
                == Some("fulfilled");
            let outcome = if fulfilled {
                Reflect::get(&result, &"value".into())
                    .ok()
                    .and_then(|value| value.dyn_into::<CryptoKey>().ok())
                    .ok_or_else(|| refusal(key.alg, &JsValue::UNDEFINED))
            } else {
                Err(refusal(key.alg, &Reflect::get(&result, &"reason".into()).unwrap_or(JsValue::UNDEFINED)))
            };
            imported.push((id, outcome));
        }
    });
}

fn imported(key: &Key) -> Option<Result<CryptoKey, String>> {
    let id = identity(key);
    IMPORTED.with(|imported| imported.borrow().iter().find(|(known, _)| *known == id).map(|(_, key)| key.clone()))
}

/// Every check's verdict, in order: the keys imported (once per page), then every
/// `crypto.subtle.verify` started at once and awaited together.
pub async fn verify_all(checks: &[SignatureCheck<'_>]) -> Vec<Verdict> {
    if checks.is_empty() {
        return Vec::new();
    }
    let subtle = match subtle() {
        Ok(subtle) => subtle,
        Err(why) => return checks.iter().map(|_| Verdict::Unverifiable(why.clone())).collect(),
    };
    let keys: Vec<&Key> = checks.iter().map(|check| check.key).collect();
    import_missing(&subtle, &keys).await;
    let mut verdicts: Vec<Option<Verdict>> = Vec::with_capacity(checks.len());
    let started: Array = Array::new();
    for check in checks {
        let promise = match imported(check.key) {
            Some(Ok(crypto_key)) => subtle
                .verify_with_object_and_u8_array_and_u8_array(
                    &verify_parameters(check.key.alg),
                    &crypto_key,
                    check.signature,
                    check.signing_input,
                )
                .ok(),
            Some(Err(why)) => {
                verdicts.push(Some(Verdict::Unverifiable(why)));
                continue;
            }
            None => None,
        };
        match promise {
            Some(promise) => {
                started.push(&promise);
                verdicts.push(None);
            }
            None => verdicts.push(Some(Verdict::Unverifiable(refusal(check.key.alg, &JsValue::UNDEFINED)))),
        }
    }
    let answers: Array = JsFuture::from(Promise::all_settled(&started))
        .await
        .map(JsCast::unchecked_into)
        .unwrap_or_else(|_| Array::new());
    let mut answers = answers.iter();
    checks
        .iter()
        .zip(verdicts)
        .map(|(check, verdict)| {
            verdict.unwrap_or_else(|| {
                let answer = answers.next().unwrap_or(JsValue::UNDEFINED);
                let status = Reflect::get(&answer, &"status".into()).ok().and_then(|s| s.as_string());
                match status.as_deref() {
                    // Only `true` itself is a valid signature.
                    Some("fulfilled") => Verdict::from(
                        Reflect::get(&answer, &"value".into()).ok().and_then(|v| v.as_bool()) == Some(true),
                    ),
                    _ => Verdict::Unverifiable(refusal(
                        check.key.alg,
                        &Reflect::get(&answer, &"reason".into()).unwrap_or(JsValue::UNDEFINED),
                    )),
                }
            })
        })
        .collect()
}
