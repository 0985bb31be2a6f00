//! Browser tests of `<access-check>` and the JS API, in headless Chromium
//! (`wasm-pack test --headless --chrome`, see `./dev test`). Each test defines the element
//! under a fresh tag name.

#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

#[path = "../support/demo.rs"]
mod demo;
#[path = "../support/mint.rs"]
mod mint;

use access_check::core::json::Json;
use demo::*;
use js_sys::{Function, Promise, Reflect};
use mint::with;
use std::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Defines the element under a name no other test uses.
fn fresh_tag() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let tag = format!("access-check-t{}", NEXT.fetch_add(1, Ordering::Relaxed));
    assert!(access_check::web::define(Some(tag.clone())).unwrap());
    tag
}

/// A `<script type="application/json">` holding `json`; returns `#id`.
fn policy_script(json: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let id = format!("policy-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let script = document().create_element("script").unwrap();
    script.set_attribute("type", "application/json").unwrap();
    script.set_id(&id);
    script.set_text_content(Some(json));
    document().body().unwrap().append_child(&script).unwrap();
    format!("#{id}")
}

/// A `ui` text of a shipped catalogue, read from its file (the browser build compiles in only
/// English).
fn ui_text(lang: &str, key: &str) -> String {
    let text = match lang {
        "es" => include_str!("../../src/core/explain/catalogue/es.json"),
        _ => include_str!("../../src/core/explain/catalogue/en.json"),
    };
    let json = access_check::core::json::Json::parse(text).unwrap();
    json.get("ui").and_then(|ui| ui.get(key)).and_then(|t| t.as_str()).unwrap().to_owned()
}

fn demo_policy() -> String {
    policy(&keys()).to_compact()
}

/// Creates the element with attributes, not yet on the page.
fn create(tag: &str, attributes: &[(&str, &str)]) -> HtmlElement {
    let element: HtmlElement = document().create_element(tag).unwrap().dyn_into().unwrap();
    for (name, value) in attributes {
        element.set_attribute(name, value).unwrap();
    }
    element
}

fn mount(element: &HtmlElement) {
    document().body().unwrap().append_child(element).unwrap();
}

/// Installs the Spanish and Arabic catalogues, as the element does after fetching them from
/// `pkg/lang/` (the test runner serves no `pkg/`; tests/e2e fetch them for real).
fn languages() {
    for (lang, text) in [
        ("es", include_str!("../../src/core/explain/catalogue/es.json")),
        ("ar", include_str!("../../src/core/explain/catalogue/ar.json")),
    ] {
        access_check::core::explain::install_catalogue(lang, text).unwrap();
    }
}

/// Waits until `holds` (the element decides asynchronously), failing after 10 s.
async fn eventually(what: &str, holds: impl Fn() -> bool) {
    for _ in 0..1000 {
        if holds() {
            return;
        }
        sleep(10).await;
    }
    panic!("{what}: not within 10 s");
}

/// Resolves with the detail of the next `name` event, or fails after 15 s.
fn next_event(element: &HtmlElement, name: &str) -> JsFuture {
    let target = element.clone();
    let name = name.to_owned();
    let promise = Promise::new(&mut |resolve, reject| {
        let resolve_once = resolve.clone();
        let handler = Closure::once_into_js(move |event: web_sys::CustomEvent| {
            resolve_once.call1(&JsValue::NULL, &event.detail()).unwrap();
        });
        let options = web_sys::AddEventListenerOptions::new();
        options.set_once(true);
        target
            .add_event_listener_with_callback_and_add_event_listener_options(&name, handler.unchecked_ref(), &options)
            .unwrap();
        let fail = Closure::once_into_js(move || {
            reject.call1(&JsValue::NULL, &JsValue::from_str("timed out waiting for an event")).unwrap();
        });
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(fail.unchecked_ref(), 15_000)
            .unwrap();
    });
    JsFuture::from(promise)
}

async fn sleep(millis: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

fn call(element: &HtmlElement, method: &str, argument: &JsValue) -> JsValue {
    let function: Function = Reflect::get(element, &method.into()).unwrap().dyn_into().unwrap();
    function.call1(element, argument).unwrap()
}

/// A value at a path of plain JS objects: `get(&report, &["tiers", "0", "outcome"])`.
fn get(value: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(value.clone(), |value, key| Reflect::get(&value, &JsValue::from_str(key)).unwrap())
}

fn text_at(value: &JsValue, path: &[&str]) -> String {
    get(value, path).as_string().unwrap_or_else(|| panic!("no string at {path:?}"))
}

/// The reason codes of a report's first tier.
fn first_tier_codes(report: &JsValue) -> Vec<String> {
    js_sys::Array::from(&get(report, &["tiers", "0", "reasons"]))
        .iter()
        .map(|reason| text_at(&reason, &["code"]))
        .collect()
}

/// A `blob:` URL that answers `text` (an attestation endpoint that needs no server).
fn blob_url(text: &str) -> String {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    web_sys::Url::create_object_url_with_blob(&web_sys::Blob::new_with_str_sequence(&parts).unwrap()).unwrap()
}

fn shadow(element: &HtmlElement) -> ShadowRoot {
    element.shadow_root().expect("an open shadow root")
}

fn find(element: &HtmlElement, selector: &str) -> Option<Element> {
    shadow(element).query_selector(selector).unwrap()
}

fn shadow_text(element: &HtmlElement) -> String {
    shadow(element).text_content().unwrap_or_default()
}

fn sign(key: &mint::DemoKey, typ: &str, claims: &Json) -> String {
    key.sign_json(&key.header(typ), claims)
}

fn citizen_tokens() -> (String, String) {
    let keys = keys();
    (sign(&keys.idv_es256, IDENTITY, &identity_claims()), sign(&keys.edge, LOCATION, &location_claims()))
}

const SCENARIO_NOW: &str = "1795305600";

#[wasm_bindgen_test]
fn define_registers_fresh_names_once() {
    let tag = fresh_tag();
    assert!(!web_sys::window().unwrap().custom_elements().get(&tag).is_undefined());
    assert!(!access_check::web::define(Some(tag)).unwrap(), "a taken name is reported, not redefined");
    assert!(access_check::web::define(Some("nohyphen".into())).is_err(), "not a valid custom-element name");
    assert_eq!(access_check::web::version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
async fn attributes_drive_the_rendering_and_one_event_carries_the_report() {
    let tag = fresh_tag();
    let (identity, location) = citizen_tokens();
    let element =
        create(&tag, &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
    call(&element, "addToken", &identity.into());
    call(&element, "addToken", &location.into());
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    let report = decision.await.unwrap();
    assert_eq!(text_at(&report, &["outcome"]), "granted");
    assert_eq!(text_at(&report, &["tier"]), "frontier");
    assert_eq!(text_at(&report, &["explanation", "headline"]), "You can use Frontier models.");
    // The report property holds the same decision.
    assert_eq!(text_at(&get(&element, &["report"]), &["support_code"]), text_at(&report, &["support_code"]));
    let status = find(&element, "[role=status]").unwrap();
    assert_eq!(status.text_content().unwrap(), "You can use Frontier models.");
    assert_eq!(find(&element, ".container").unwrap().get_attribute("data-outcome").as_deref(), Some("granted"));
    // Changing the tier re-renders and fires one event; re-setting the same value fires none.
    let next = next_event(&element, "access-check:decision");
    element.set_attribute("tier", "standard").unwrap();
    let report = next.await.unwrap();
    assert_eq!(text_at(&report, &["tier"]), "standard");
    assert_eq!(status.text_content().unwrap(), "You can use Standard models.");
    let events = count_events(&element, "access-check:decision");
    element.set_attribute("tier", "standard").unwrap();
    element.set_attribute("theme", "dark").unwrap();
    sleep(50).await;
    assert_eq!(events.get(), 0, "no event when neither outcome nor reasons changed");
    element.remove();
}

/// Counts events of `name` from now on.
fn count_events(element: &HtmlElement, name: &str) -> std::rc::Rc<std::cell::Cell<u32>> {
    let count = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = count.clone();
    let handler = Closure::<dyn FnMut()>::new(move || counter.set(counter.get() + 1));
    element.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref()).unwrap();
    handler.forget();
    count
}

#[wasm_bindgen_test]
async fn add_token_moves_the_decision_and_support_code_is_available() {
    let tag = fresh_tag();
    let (identity, location) = citizen_tokens();
    let element =
        create(&tag, &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
    let first = next_event(&element, "access-check:decision");
    mount(&element);
    let report = first.await.unwrap();
    assert_eq!(text_at(&report, &["outcome"]), "action_required");
    assert!(shadow_text(&element).contains("Your identity has not been verified yet."));
    let second = next_event(&element, "access-check:decision");
    call(&element, "addToken", &identity.into());
    assert_eq!(text_at(&second.await.unwrap(), &["outcome"]), "action_required");
    let third = next_event(&element, "access-check:decision");
    call(&element, "addToken", &location.into());
    assert_eq!(text_at(&third.await.unwrap(), &["outcome"]), "granted");
    let code = call(&element, "supportCode", &JsValue::UNDEFINED).as_string().unwrap();
    assert!(code.starts_with("AC1-"));
    // The support code sits behind a disclosure that first lists what it holds.
    let details = find(&element, "details[part=support]").unwrap();
    let facts = details.query_selector(".facts").unwrap().unwrap().text_content().unwrap();
    assert!(facts.contains("idv.example.com") && facts.contains("Identity: a US citizen, verified on"), "{facts}");
    assert!(facts.contains("Location: the United States, direct connection"), "facts in words: {facts}");
    assert!(!facts.contains(SUBJECT));
    for raw in ["restricted_party", "us_entity", "citizen ·", "TOKEN_", "IAL"] {
        assert!(!facts.contains(raw), "no raw value {raw:?} in {facts}");
    }
    assert_eq!(details.query_selector("code").unwrap().unwrap().text_content().unwrap(), code);
    element.remove();
}

#[wasm_bindgen_test]
async fn the_fragment_token_is_taken_and_scrubbed_from_the_address_bar() {
    let tag = fresh_tag();
    let (identity, _) = citizen_tokens();
    let window = web_sys::window().unwrap();
    let before = window.location().href().unwrap();
    window.location().set_hash(&format!("keep=1&attest={identity}")).unwrap();
    let element = create(
        &tag,
        &[
            ("policy", &policy_script(&demo_policy())),
            ("tier", "frontier"),
            ("now", SCENARIO_NOW),
            ("token-param", "attest"),
        ],
    );
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    // Removed at once, before any decision.
    let hash = window.location().hash().unwrap();
    assert_eq!(hash, "#keep=1");
    assert!(!window.location().href().unwrap().contains(&identity[..20]));
    let report = decision.await.unwrap();
    assert_eq!(text_at(&report, &["tokens", "0", "kind"]), "identity");
    assert!(get(&report, &["tokens", "0", "code"]).is_null());
    let _ = window.history().unwrap().replace_state_with_url(&JsValue::NULL, "", Some(&before));
    element.remove();
}

#[wasm_bindgen_test]
async fn claim_and_policy_text_holding_html_reaches_the_page_as_text() {
    let tag = fresh_tag();
    let keys = keys();
    let hostile = "<img src=x onerror=alert(1)><b>bold</b>";
    let policy = demo_policy().replace("\"Frontier models\"", &Json::String(hostile.into()).to_compact());
    let untrusted = sign(
        &keys.untrusted,
        IDENTITY,
        &with(&identity_claims(), &[("iss", format!("https://evil.example/{hostile}").into())]),
    );
    let element = create(&tag, &[("policy", &policy_script(&policy)), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
    call(&element, "addToken", &untrusted.into());
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    decision.await.unwrap();
    let root = shadow(&element);
    assert!(root.query_selector("img").unwrap().is_none(), "no element was made from claim text");
    assert!(root.query_selector("b").unwrap().is_none());
    assert!(shadow_text(&element).contains(hostile), "the text shows as typed");
    element.remove();
}

#[wasm_bindgen_test]
async fn re_evaluates_by_itself_when_a_token_expires() {
    let tag = fresh_tag();
    let keys = keys();
    let now = (js_sys::Date::now() / 1000.0) as u64;
    let policy = demo_policy().replace("\"leeway_seconds\":60", "\"leeway_seconds\":0");
    let identity = sign(
        &keys.idv_es256,
        IDENTITY,
        &with(&identity_claims(), &[("iat", (now - 60).into()), ("exp", (now + 3600).into())]),
    );
    let location =
        sign(&keys.edge, LOCATION, &with(&location_claims(), &[("iat", (now - 5).into()), ("exp", (now + 2).into())]));
    let element = create(&tag, &[("policy", &policy_script(&policy)), ("tier", "frontier")]);
    call(&element, "addToken", &identity.into());
    call(&element, "addToken", &location.into());
    let first = next_event(&element, "access-check:decision");
    mount(&element);
    let report = first.await.unwrap();
    assert_eq!(text_at(&report, &["outcome"]), "granted");
    assert_eq!(get(&report, &["valid_until"]).as_f64(), Some((now + 2) as f64));
    // Nobody touches the element: it decides again once the location token has expired.
    let report = next_event(&element, "access-check:decision").await.unwrap();
    assert_eq!(text_at(&report, &["outcome"]), "action_required");
    assert_eq!(text_at(&report, &["tiers", "0", "reasons", "0", "code"]), "TOKEN_EXPIRED");
    element.remove();
}

#[wasm_bindgen_test]
async fn listeners_and_timers_go_when_the_element_leaves_the_page() {
    let tag = fresh_tag();
    let keys = keys();
    let vpn = sign(&keys.edge, LOCATION, &with(&location_claims(), &[("anonymizer", "vpn".into())]));
    let element =
        create(&tag, &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
    call(&element, "addToken", &vpn.into());
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    decision.await.unwrap();
    let button: HtmlElement = find(&element, "button.retry").expect("a retry button").dyn_into().unwrap();
    let status = find(&element, "[role=status]").unwrap();
    let shown = status.text_content().unwrap();
    element.remove();
    button.click();
    sleep(100).await;
    assert_eq!(status.text_content().unwrap(), shown, "the removed element's button no longer does anything");
    // And while on the page, the same button does refresh.
    let tag = fresh_tag();
    let element =
        create(&tag, &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    decision.await.unwrap();
    let refreshed = count_events(&element, "access-check:decision");
    let (identity, location) = citizen_tokens();
    call(&element, "addToken", &identity.into());
    call(&element, "addToken", &location.into());
    // The decision is asynchronous (WebCrypto).
    eventually("a decision after addToken", || refreshed.get() >= 1).await;
    element.remove();
}

#[wasm_bindgen_test]
async fn misconfiguration_shows_a_site_problem_and_fires_an_error() {
    for (attributes, code) in [
        (vec![("tier", "frontier")], "POLICY_INVALID"),
        (vec![("policy", "#no-such-script")], "POLICY_INVALID"),
        (vec![("policy", "/no-such-policy.json")], "POLICY_INVALID"),
        (vec![("policy", "POLICY"), ("tier", "ultra")], "TIER_UNKNOWN"),
        (vec![("policy", "POLICY"), ("theme", "purple")], "ATTRIBUTE_INVALID"),
        (vec![("policy", "POLICY"), ("now", "yesterday")], "ATTRIBUTE_INVALID"),
        (vec![("policy", "BROKEN")], "POLICY_INVALID"),
    ] {
        let tag = fresh_tag();
        let good = policy_script(&demo_policy());
        let broken = policy_script(&demo_policy().replacen("\"CU\"", "\"XX\"", 1));
        let attributes: Vec<(&str, String)> = attributes
            .into_iter()
            .map(|(name, value)| (name, value.replace("POLICY", &good).replace("BROKEN", &broken)))
            .collect();
        let pairs: Vec<(&str, &str)> = attributes.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let element = create(&tag, &pairs);
        let error = next_event(&element, "access-check:error");
        mount(&element);
        let detail = error.await.unwrap();
        assert_eq!(text_at(&detail, &["code"]), code, "{pairs:?}");
        assert!(!text_at(&detail, &["message"]).is_empty());
        let container = find(&element, ".container").unwrap();
        assert!(container.class_name().contains("error"), "{pairs:?}: {}", container.class_name());
        assert!(shadow_text(&element).contains("problem on this site"), "{pairs:?}");
        let report = get(&element, &["report"]);
        assert!(report.is_null() || text_at(&report, &["outcome"]) == "error", "{pairs:?}");
        element.remove();
    }
}

#[wasm_bindgen_test]
async fn unreachable_issuer_keys_end_in_error_with_a_retry_never_granted() {
    let tag = fresh_tag();
    let (identity, location) = citizen_tokens();
    let policy = policy(&keys());
    let text = policy.to_compact();
    // The identity issuer publishes its keys only at a URL that does not answer.
    let start = text.find(",\"jwks\":{\"keys\":[{\"kty\":\"EC\"").unwrap();
    let end = start + text[start..].find("]}").unwrap() + 2;
    let policy = format!("{},\"jwks_uri\":\"/no-such-jwks.json\"{}", &text[..start], &text[end..]);
    let element = create(&tag, &[("policy", &policy_script(&policy)), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
    call(&element, "addToken", &identity.into());
    call(&element, "addToken", &location.into());
    let error = next_event(&element, "access-check:error");
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    assert_eq!(text_at(&error.await.unwrap(), &["code"]), "KEYS_UNAVAILABLE");
    let report = decision.await.unwrap();
    assert_eq!(text_at(&report, &["outcome"]), "error");
    assert_eq!(text_at(&report, &["tiers", "0", "remedies", "0", "action"]), "retry");
    assert!(find(&element, "button.retry").is_some());
    element.remove();
}

#[wasm_bindgen_test]
async fn the_attestation_endpoint_supplies_tokens() {
    let tag = fresh_tag();
    let (identity, location) = citizen_tokens();
    let body = format!("{{\"tokens\":[\"{identity}\",\"{location}\"]}}");
    let url = blob_url(&body);
    let element = create(
        &tag,
        &[
            ("policy", &policy_script(&demo_policy())),
            ("tier", "frontier"),
            ("now", SCENARIO_NOW),
            ("attestation-endpoint", &url),
        ],
    );
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    let report = decision.await.unwrap();
    assert_eq!(text_at(&report, &["outcome"]), "granted");
    element.remove();
}

#[wasm_bindgen_test]
async fn languages_follow_the_attribute_then_the_page() {
    languages();
    let tag = fresh_tag();
    let element = create(
        &tag,
        &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", SCENARIO_NOW), ("lang", "es")],
    );
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    let report = decision.await.unwrap();
    assert_eq!(text_at(&report, &["explanation", "lang"]), "es");
    let container = find(&element, ".container").unwrap();
    assert_eq!(container.get_attribute("lang").as_deref(), Some("es"));
    assert_eq!(container.get_attribute("dir").as_deref(), Some("ltr"));
    assert!(shadow_text(&element).contains("Modelos de frontera"));
    // Arabic: right to left. A language change re-renders but is not a new decision (same
    // outcome and reasons), so no event: the report property shows it.
    let events = count_events(&element, "access-check:decision");
    element.set_attribute("lang", "ar").unwrap();
    eventually("the Arabic rendering", || container.get_attribute("dir").as_deref() == Some("rtl")).await;
    assert_eq!(text_at(&get(&element, &["report"]), &["explanation", "lang"]), "ar");
    assert!(shadow_text(&element).contains("النماذج الرائدة"));
    // Without the attribute, the page's <html lang> decides.
    let html = document().document_element().unwrap();
    let page_lang = html.get_attribute("lang");
    html.set_attribute("lang", "es-MX").unwrap();
    element.remove_attribute("lang").unwrap();
    eventually("the page's language", || text_at(&get(&element, &["report"]), &["explanation", "lang"]) == "es").await;
    assert_eq!(events.get(), 0);
    match page_lang {
        Some(lang) => html.set_attribute("lang", &lang).unwrap(),
        None => html.remove_attribute("lang").unwrap(),
    }
    element.remove();
}

#[wasm_bindgen_test]
async fn several_elements_on_one_page_are_independent() {
    let tag = fresh_tag();
    let (identity, location) = citizen_tokens();
    let script = policy_script(&demo_policy());
    let frontier = create(&tag, &[("policy", &script), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
    let standard =
        create(&tag, &[("policy", &script), ("tier", "standard"), ("now", SCENARIO_NOW), ("layout", "compact")]);
    call(&frontier, "addToken", &identity.into());
    call(&standard, "addToken", &location.into());
    let a = next_event(&frontier, "access-check:decision");
    let b = next_event(&standard, "access-check:decision");
    mount(&frontier);
    mount(&standard);
    assert_eq!(
        text_at(&a.await.unwrap(), &["outcome"]),
        "action_required",
        "the location token went to the other element"
    );
    assert_eq!(text_at(&b.await.unwrap(), &["outcome"]), "granted");
    frontier.remove();
    standard.remove();
}

#[wasm_bindgen_test]
async fn replay_shows_what_the_user_saw_read_only() {
    languages();
    let tag = fresh_tag();
    let keys = keys();
    let vpn = sign(&keys.edge, LOCATION, &with(&location_claims(), &[("anonymizer", "vpn".into())]));
    let (identity, _) = citizen_tokens();
    let user = create(
        &tag,
        &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", SCENARIO_NOW), ("lang", "es")],
    );
    call(&user, "addToken", &identity.into());
    call(&user, "addToken", &vpn.into());
    let seen = next_event(&user, "access-check:decision");
    mount(&user);
    let seen = seen.await.unwrap();
    let code = text_at(&seen, &["support_code"]);
    let console = create(
        &tag,
        &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", SCENARIO_NOW), ("lang", "es")],
    );
    let first = next_event(&console, "access-check:decision");
    mount(&console);
    first.await.unwrap();
    let replayed = next_event(&console, "access-check:decision");
    call(&console, "replay", &code.clone().into());
    let replayed = replayed.await.unwrap();
    assert_eq!(get(&replayed, &["explanation", "items"]).as_string(), None);
    assert_eq!(
        js_sys::JSON::stringify(&get(&replayed, &["explanation"])).unwrap(),
        js_sys::JSON::stringify(&get(&seen, &["explanation"])).unwrap()
    );
    assert_eq!(get(&replayed, &["replay", "policy_changed"]).as_bool(), Some(false));
    assert_eq!(
        find(&console, "[role=status]").unwrap().text_content(),
        find(&user, "[role=status]").unwrap().text_content()
    );
    // Read-only, for the agent: what the user saw comes first, nothing to click that would
    // check again, and no new code under "give this code to support".
    let text = shadow_text(&console);
    assert!(find(&console, "button.retry").is_none() && find(&console, "details[part=support]").is_none(), "{text}");
    let first_heading = find(&console, "h3").and_then(|heading| heading.text_content());
    assert_eq!(first_heading.as_deref(), Some("Lo que vio el usuario"), "{text}");
    // Under changed rules: what the user saw first, then today's decision and what changed.
    let changed = demo_policy().replace("\"2026-11-21.1\"", "\"2026-12-01.1\"").replace(
        "\"countries_not_in\":[\"CU\",\"IR\",\"KP\",\"SY\"]}",
        "\"countries_not_in\":[\"US\",\"CU\",\"IR\",\"KP\",\"SY\"]}",
    );
    assert_ne!(changed, demo_policy(), "the standard tier's rule was found and changed");
    let today = create(&tag, &[("policy", &policy_script(&changed)), ("now", SCENARIO_NOW), ("lang", "en")]);
    let first = next_event(&today, "access-check:decision");
    mount(&today);
    first.await.unwrap();
    let replayed = next_event(&today, "access-check:decision");
    call(&today, "replay", &code.clone().into());
    let replayed = replayed.await.unwrap();
    assert_eq!(get(&replayed, &["replay", "policy_changed"]).as_bool(), Some(true));
    // The user's sentences in their language (Spanish), as they saw them; what the console
    // says to the agent in its own (English).
    let said = shadow_text(&today);
    let saw = said.find("What the user saw").expect("what the user saw");
    let rules = said.find(&ui_text("en", "replay_today")).expect("today's rules");
    assert!(saw < rules, "what the user saw comes first: {said}");
    assert!(said.contains("2026-11-21.1") && said.contains("2026-12-01.1"), "both rule versions: {said}");
    let reported = text_at(&replayed, &["replay", "reported", "1", "explanation", "headline"]);
    let now = text_at(&replayed, &["tiers", "1", "explanation", "headline"]);
    assert_ne!(reported, now, "the standard tier changed");
    assert!(said.contains(&reported) && said.contains(&now), "{said}");
    today.remove();
    // A damaged code: a clear error for the agent, not a decision, not the user's words.
    let error = next_event(&console, "access-check:error");
    call(&console, "replay", &"AC1-damaged".into());
    assert_eq!(text_at(&error.await.unwrap(), &["code"]), "SUPPORT_CODE_INVALID");
    let said = find(&console, "[role=status]").unwrap().text_content().unwrap_or_default();
    assert!(!said.contains("Ask for it to be copied again"), "{said}");
    assert!(find(&console, ".container.error").is_some());
    user.remove();
    console.remove();
}

/// Defect 12: the console's element replays what the user saw in their language, not its own
/// (and says what it says to the agent in its own).
#[wasm_bindgen_test]
async fn replay_shows_the_users_language() {
    languages();
    let tag = fresh_tag();
    let (identity, location) = citizen_tokens();
    let user = create(&tag, &[("policy", &policy_script(&demo_policy())), ("now", SCENARIO_NOW), ("lang", "ar")]);
    call(&user, "addToken", &identity.into());
    call(&user, "addToken", &location.into());
    let seen = next_event(&user, "access-check:decision");
    mount(&user);
    let seen = seen.await.unwrap();
    let console = create(&tag, &[("policy", &policy_script(&demo_policy())), ("now", SCENARIO_NOW), ("lang", "en")]);
    let first = next_event(&console, "access-check:decision");
    mount(&console);
    first.await.unwrap();
    let replayed = next_event(&console, "access-check:decision");
    call(&console, "replay", &text_at(&seen, &["support_code"]).into());
    let replayed = replayed.await.unwrap();
    assert_eq!(text_at(&replayed, &["explanation", "lang"]), "ar");
    assert_eq!(
        find(&console, "[role=status]").unwrap().text_content(),
        find(&user, "[role=status]").unwrap().text_content()
    );
    // What the user saw is in their language and marked so; what the console says to the
    // agent (what a replay is, the facts) is in the console's.
    let saw = find(&console, "div.tier").expect("what the user saw");
    assert_eq!(saw.get_attribute("lang").as_deref(), Some("ar"));
    assert_eq!(saw.get_attribute("dir").as_deref(), Some("rtl"));
    assert_eq!(find(&console, "[role=status]").unwrap().get_attribute("lang").as_deref(), Some("ar"));
    let text = shadow_text(&console);
    assert!(text.contains("This is a support code's replay"), "{text}");
    assert!(text.contains("What the user saw"), "{text}");
    assert!(!text.contains("متصفح المستخدم"), "{text}");
    // A damaged code next: explained to the agent in the console's language, marked so.
    let error = next_event(&console, "access-check:error");
    call(&console, "replay", &"AC1-damaged".into());
    error.await.unwrap();
    assert_eq!(find(&console, "[role=status]").unwrap().get_attribute("lang").as_deref(), Some("en"));
    assert_eq!(find(&console, "[role=status]").unwrap().get_attribute("dir").as_deref(), Some("ltr"));
    user.remove();
    console.remove();
}

/// Defect 5: times JavaScript's Date cannot hold never throw out of the element.
#[wasm_bindgen_test]
async fn extreme_times_never_throw() {
    let tag = fresh_tag();
    let (identity, location) = citizen_tokens();
    for now in ["9000000000000", "9007199254740991"] {
        let element = create(&tag, &[("policy", &policy_script(&demo_policy())), ("now", now), ("lang", "en")]);
        call(&element, "addToken", &identity.clone().into());
        call(&element, "addToken", &location.clone().into());
        let decided = next_event(&element, "access-check:decision");
        mount(&element);
        let report = decided.await.unwrap();
        assert_ne!(text_at(&report, &["outcome"]), "granted", "{now}");
        // The support code's facts list the evaluation time as a date.
        assert!(shadow_text(&element).contains("Z"), "{now}");
        let code = text_at(&report, &["support_code"]);
        // The replay is shown once its wording is loaded; the same decision fires no new event.
        call(&element, "replay", &code.into());
        eventually("the replay is shown", || {
            get(&Reflect::get(&element, &"report".into()).unwrap(), &["replay"]).is_object()
        })
        .await;
        // Values that are not strings are ignored, never thrown on.
        call(&element, "addToken", &JsValue::from_f64(1.0));
        call(&element, "replay", &js_sys::Object::new().into());
        element.remove();
    }
}

#[wasm_bindgen_test]
async fn evaluate_and_replay_work_as_plain_functions() {
    languages();
    let (identity, location) = citizen_tokens();
    let input = js_sys::JSON::parse(&format!(
        "{{\"policy\":{},\"tokens\":[\"{identity}\",\"{location}\"],\"now\":{SCENARIO_NOW},\"lang\":\"es\"}}",
        demo_policy()
    ))
    .unwrap();
    let evaluated = access_check::web::evaluate(input);
    assert!(evaluated.is_instance_of::<Promise>(), "evaluate() returns a Promise (SPEC §7)");
    let report = JsFuture::from(evaluated).await.unwrap();
    assert_eq!(text_at(&report, &["outcome"]), "granted");
    assert_eq!(text_at(&report, &["explanation", "lang"]), "es");
    let options = js_sys::JSON::parse(&format!("{{\"policy\":{}}}", demo_policy())).unwrap();
    let replayed =
        access_check::web::replay(&text_at(&report, &["support_code"]), Some(options.unchecked_into())).unwrap();
    assert_eq!(text_at(&replayed, &["outcome"]), "granted");
    let error = JsFuture::from(access_check::web::evaluate(JsValue::from_str("not an object"))).await.unwrap_err();
    assert!(error.dyn_ref::<js_sys::Error>().unwrap().message().as_string().unwrap().contains("expected an object"));
    assert!(access_check::web::replay("AC1-!!", None).is_err());
}

/// `compile(policy)`: the same report as `evaluate` for every scenario, the policy read once;
/// an invalid policy rejects with its JSON path; a compiled policy refuses a `policy` member.
#[wasm_bindgen_test]
async fn a_compiled_policy_decides_as_evaluate_does() {
    for (name, text) in SCENARIOS {
        let scenario = Json::parse(text).unwrap();
        let policy = js_sys::JSON::parse(&scenario.get("policy").unwrap().to_compact()).unwrap();
        let compiled = JsFuture::from(access_check::web::compile(policy.clone())).await.unwrap();
        let evaluate_compiled = |input: JsValue| -> Promise {
            let method: Function = Reflect::get(&compiled, &"evaluate".into()).unwrap().dyn_into().unwrap();
            method.call1(&compiled, &input).unwrap().dyn_into().unwrap()
        };
        let tokens = scenario.get("tokens").map_or("[]".to_owned(), Json::to_compact);
        let now = scenario.get("now").unwrap().to_compact();
        let server_time =
            scenario.get("server_time").map(|t| format!(",\"server_time\":{}", t.to_compact())).unwrap_or_default();
        let rest = format!("\"tokens\":{tokens},\"now\":{now}{server_time}");
        let alone = js_sys::JSON::parse(&format!("{{{rest}}}")).unwrap();
        let with_policy =
            js_sys::JSON::parse(&format!("{{\"policy\":{},{rest}}}", js_sys::JSON::stringify(&policy).unwrap()))
                .unwrap();
        let from_compiled = JsFuture::from(evaluate_compiled(alone)).await.unwrap();
        let from_evaluate = JsFuture::from(access_check::web::evaluate(with_policy.clone())).await.unwrap();
        assert_eq!(
            js_sys::JSON::stringify(&from_compiled).unwrap(),
            js_sys::JSON::stringify(&from_evaluate).unwrap(),
            "{name}"
        );
        let refused = JsFuture::from(evaluate_compiled(with_policy)).await.unwrap_err();
        assert!(js_sys::Error::from(refused).message().as_string().unwrap().contains("policy"), "{name}");
    }
    let invalid = js_sys::JSON::parse(&demo_policy().replacen("\"CU\"", "\"XX\"", 1)).unwrap();
    let error = JsFuture::from(access_check::web::compile(invalid)).await.unwrap_err();
    let message = js_sys::Error::from(error).message().as_string().unwrap();
    assert!(message.contains("tiers[0].require.all[1].location.countries_not_in[0]"), "{message}");
}

#[wasm_bindgen_test]
async fn every_scenario_renders_its_expected_outcome() {
    assert!(SCENARIOS.len() >= 23);
    for (name, text) in SCENARIOS {
        let scenario = access_check::scenario::Scenario::parse(text).unwrap();
        let tag = fresh_tag();
        let policy = Json::parse(text).unwrap().get("policy").unwrap().to_compact();
        let now = scenario.request.now.to_string();
        let server_time = scenario.request.server_time.map(|t| t.to_string());
        let mut attributes = vec![("policy", policy_script(&policy)), ("now", now)];
        if let Some(server_time) = server_time {
            attributes.push(("server-time", server_time));
        }
        let pairs: Vec<(&str, &str)> = attributes.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let element = create(&tag, &pairs);
        for token in &scenario.request.tokens {
            call(&element, "addToken", &JsValue::from_str(token));
        }
        let decision = next_event(&element, "access-check:decision");
        mount(&element);
        let report = decision.await.unwrap();
        for (index, expected) in scenario.expected.iter().enumerate() {
            let tier = get(&report, &["tiers", &index.to_string()]);
            assert_eq!(text_at(&tier, &["id"]), expected.tier, "{name}");
            assert_eq!(text_at(&tier, &["outcome"]), expected.outcome.as_str(), "{name} / {}", expected.tier);
        }
        // What is on screen: the first tier in the status line, the others listed.
        let first = &scenario.expected[0];
        assert_eq!(
            find(&element, ".container").unwrap().get_attribute("data-outcome").as_deref(),
            Some(first.outcome.as_str()),
            "{name}"
        );
        for expected in &scenario.expected[1..] {
            let item = find(&element, &format!("li[data-tier={}]", expected.tier)).unwrap();
            assert_eq!(item.get_attribute("data-outcome").as_deref(), Some(expected.outcome.as_str()), "{name}");
        }
        element.remove();
    }
}

/// `rgb(r, g, b)` → relative luminance (WCAG 2.x).
fn luminance(css: &str) -> f64 {
    let channels: Vec<f64> = css
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|c| c.trim().parse::<f64>().unwrap_or_else(|_| panic!("colour {css}")) / 255.0)
        .map(|c| if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) })
        .collect();
    0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
}

fn contrast(foreground: &str, background: &str) -> f64 {
    let (a, b) = (luminance(foreground), luminance(background));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

fn colour(element: &Element, property: &str) -> String {
    let style = web_sys::window().unwrap().get_computed_style(element).unwrap().unwrap();
    style.get_property_value(property).unwrap()
}

#[wasm_bindgen_test]
async fn every_text_meets_4_5_to_1_contrast_in_both_themes() {
    let keys = keys();
    let (identity, location) = citizen_tokens();
    let iran = sign(&keys.edge, LOCATION, &with(&location_claims(), &[("country", "IR".into())]));
    let vpn = sign(&keys.edge, LOCATION, &with(&location_claims(), &[("anonymizer", "vpn".into())]));
    let script = policy_script(&demo_policy());
    let cases: [(&str, Vec<String>, &str); 4] = [
        ("granted", vec![identity.clone(), location], "frontier"),
        ("blocked", vec![identity.clone(), iran], "frontier"),
        ("action_required", vec![identity, vpn], "frontier"),
        ("error", vec![], "ultra"),
    ];
    for theme in ["light", "dark"] {
        for (outcome, tokens, tier) in &cases {
            let tag = fresh_tag();
            let element = create(&tag, &[("policy", &script), ("tier", tier), ("now", SCENARIO_NOW), ("theme", theme)]);
            for token in tokens {
                call(&element, "addToken", &JsValue::from_str(token));
            }
            let decision = next_event(&element, "access-check:decision");
            mount(&element);
            decision.await.unwrap();
            let container = find(&element, ".container").unwrap();
            assert_eq!(container.get_attribute("data-outcome").as_deref(), Some(*outcome));
            let background = colour(&container, "background-color");
            let mut checked = 0;
            for selector in ["[role=status]", ".reasons li", ".remedies li", "a", "button", "summary"] {
                let Some(node) = find(&element, selector) else { continue };
                let ratio = contrast(&colour(&node, "color"), &background);
                assert!(
                    ratio >= 4.5,
                    "{theme} {outcome} {selector}: {ratio:.2} ({} on {background})",
                    colour(&node, "color")
                );
                checked += 1;
            }
            assert!(checked >= 3, "{theme} {outcome}: only {checked} texts found");
            element.remove();
        }
    }
}

/// Hides Ed25519 from this page's WebCrypto as an older Safari or Firefox would (importKey
/// rejects with NotSupportedError); returns the function that brings it back.
fn hide_ed25519() -> Function {
    let hide = Function::new_no_args(
        "const original = SubtleCrypto.prototype.importKey;
         SubtleCrypto.prototype.importKey = function (format, data, algorithm, ...rest) {
           const name = typeof algorithm === 'string' ? algorithm : algorithm && algorithm.name;
           if (name === 'Ed25519') {
             return Promise.reject(new DOMException('Ed25519 is not supported', 'NotSupportedError'));
           }
           return original.call(this, format, data, algorithm, ...rest);
         };
         return () => { SubtleCrypto.prototype.importKey = original; };",
    );
    hide.call0(&JsValue::NULL).unwrap().dyn_into().unwrap()
}

/// SPEC §13: a browser whose WebCrypto lacks Ed25519 never gets a wrong outcome: the token it
/// cannot check is `KEYS_UNAVAILABLE` with a message naming the algorithm, the decision is
/// `error`, and the element fires `access-check:error` saying so. The same evaluation with
/// Ed25519 available grants.
#[wasm_bindgen_test]
async fn a_browser_without_ed25519_gets_an_error_naming_it_never_a_grant() {
    // Keys no other test imported (imported keys are kept for the page's life).
    for (hidden, kid) in [(false, "idv-visible-ed25519"), (true, "idv-hidden-ed25519")] {
        let keys = Keys { idv_ed25519: mint::DemoKey::ed25519(kid), ..keys() };
        let policy = policy(&keys).to_compact();
        let identity = sign(&keys.idv_ed25519, IDENTITY, &identity_claims());
        let location = sign(&keys.edge, LOCATION, &location_claims());
        let restore = hidden.then(hide_ed25519);
        let input = js_sys::JSON::parse(&format!(
            "{{\"policy\":{policy},\"tokens\":[\"{identity}\",\"{location}\"],\"tier\":\"frontier\",\"now\":{SCENARIO_NOW}}}"
        ))
        .unwrap();
        let report = JsFuture::from(access_check::web::evaluate(input)).await.unwrap();
        if !hidden {
            assert_eq!(text_at(&report, &["outcome"]), "granted", "the control: Ed25519 available");
            continue;
        }
        assert_eq!(text_at(&report, &["outcome"]), "error");
        assert_eq!(text_at(&report, &["tokens", "0", "code"]), "KEYS_UNAVAILABLE");
        assert!(text_at(&report, &["tokens", "0", "detail"]).contains("EdDSA (Ed25519)"), "the algorithm is named");
        assert_eq!(text_at(&report, &["tokens", "1", "status"]), "accepted", "ES256 still works");

        // The element: the same decision and an error event naming the algorithm.
        let tag = fresh_tag();
        let element = create(&tag, &[("policy", &policy_script(&policy)), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
        call(&element, "addToken", &identity.clone().into());
        call(&element, "addToken", &location.clone().into());
        let error = next_event(&element, "access-check:error");
        let decision = next_event(&element, "access-check:decision");
        mount(&element);
        let error = error.await.unwrap();
        assert_eq!(text_at(&error, &["code"]), "KEYS_UNAVAILABLE");
        assert!(text_at(&error, &["message"]).contains("EdDSA (Ed25519)"));
        assert_eq!(text_at(&decision.await.unwrap(), &["outcome"]), "error");
        element.remove();
        if let Some(restore) = restore {
            restore.call0(&JsValue::NULL).unwrap();
        }
    }
}

/// SPEC §13: the WebCrypto path gives the native verdict on every ES256 and EdDSA case of the
/// published vectors (Wycheproof, RFC 7515, RFC 8037) and of the attack suite, as recorded
/// (and kept current) by `signature_seam::the_native_verdicts_the_browser_is_held_to_are_current`.
#[wasm_bindgen_test]
async fn webcrypto_gives_the_native_verdict_on_every_vector_and_attack() {
    use access_check::core::fields::Field;
    use access_check::core::token::{jwk, Algorithm};
    let cases = Json::parse(include_str!("../vectors/native-verdicts.json")).unwrap();
    let Json::Array(cases) = cases else { panic!("a list") };
    let (mut compared, mut valid) = (0, 0);
    for case in &cases {
        let name = case.get("name").and_then(Json::as_str).unwrap();
        let native = case.get("native").and_then(Json::as_str).unwrap();
        let Some(Json::Array(names)) = case.get("algorithms") else { panic!("{name}") };
        let algorithms: Vec<Algorithm> = names.iter().filter_map(|n| n.as_str().and_then(Algorithm::parse)).collect();
        let browser = match jwk::parse_jwk(&Field::root(case.get("jwk").unwrap()), &algorithms) {
            Ok((_, Some(key))) => {
                let jws = case.get("jws").and_then(Json::as_str).unwrap();
                match access_check::web::verify_signature_only(jws, &key).await {
                    Ok(_) => "valid",
                    Err(code) => code.as_str(),
                }
            }
            Ok((_, None)) => "KEY_UNUSABLE",
            Err(_) => "KEY_INVALID",
        };
        assert_eq!(browser, native, "{name}");
        compared += 1;
        valid += usize::from(native == "valid");
    }
    assert!(compared >= 60 && valid >= 4, "{compared} compared, {valid} valid");
}

/// An attestation endpoint that cannot be read is the site's problem, not the user's missing
/// attestations: `ENDPOINT_UNAVAILABLE` on `access-check:error`, the site-problem state with a
/// retry button, and `decided` rejects; never "verify your identity".
#[wasm_bindgen_test]
async fn a_failing_attestation_endpoint_is_a_site_problem_with_a_retry() {
    let tag = fresh_tag();
    let url = blob_url("<html>not the tokens</html>");
    let element = create(
        &tag,
        &[
            ("policy", &policy_script(&demo_policy())),
            ("tier", "frontier"),
            ("now", SCENARIO_NOW),
            ("attestation-endpoint", &url),
        ],
    );
    let decided: Promise = Reflect::get(&element, &"decided".into()).unwrap().dyn_into().unwrap();
    let error = next_event(&element, "access-check:error");
    mount(&element);
    let error = error.await.unwrap();
    assert_eq!(text_at(&error, &["code"]), "ENDPOINT_UNAVAILABLE");
    assert!(text_at(&error, &["message"]).contains("attestation-endpoint"), "names the attribute");
    let refused = JsFuture::from(decided).await.unwrap_err();
    assert!(js_sys::Error::from(refused).message().as_string().unwrap().contains("ENDPOINT_UNAVAILABLE"));
    assert!(find(&element, ".container.error").is_some(), "the site-problem state");
    assert!(find(&element, "button.retry").is_some(), "a retry button");
    let support = find(&element, "a.remedy").expect("the site's support link");
    assert_eq!(support.get_attribute("href").as_deref(), Some("https://playground.example.com/support"));
    assert_eq!(
        support.text_content().as_deref(),
        Some("If this keeps happening, contact support. (opens in a new tab)"),
        "the link says it opens a new tab"
    );
    let code = find(&element, "details[part=support] code").expect("a support code for the problem");
    let code = code.text_content().unwrap_or_default();
    assert!(code.starts_with("AC1-"), "{code}");
    assert!(!shadow_text(&element).contains("Verify your identity"), "not the user's fault");
    assert!(get(&element, &["report"]).is_null(), "no decision was made");
    element.remove();
}

/// `decided`: a promise of the current decision, or of the next one; a late reader gets the
/// same report as the event.
#[wasm_bindgen_test]
async fn decided_resolves_for_early_and_late_readers() {
    let tag = fresh_tag();
    let (identity, location) = citizen_tokens();
    let element =
        create(&tag, &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
    call(&element, "addToken", &identity.into());
    call(&element, "addToken", &location.into());
    let early: Promise = Reflect::get(&element, &"decided".into()).unwrap().dyn_into().unwrap();
    let event = next_event(&element, "access-check:decision");
    mount(&element);
    let from_event = event.await.unwrap();
    let early = JsFuture::from(early).await.unwrap();
    assert_eq!(text_at(&early, &["outcome"]), "granted");
    assert_eq!(text_at(&early, &["support_code"]), text_at(&from_event, &["support_code"]));
    let late: Promise = Reflect::get(&element, &"decided".into()).unwrap().dyn_into().unwrap();
    let late = JsFuture::from(late).await.unwrap();
    assert_eq!(text_at(&late, &["support_code"]), text_at(&from_event, &["support_code"]));
    element.remove();
}

/// The `policy` property takes a policy object or a compiled policy (beside the attribute), and
/// a URL given to it goes to the attribute.
#[wasm_bindgen_test]
async fn the_policy_property_takes_an_object_or_a_compiled_policy() {
    let (identity, location) = citizen_tokens();
    let object = js_sys::JSON::parse(&demo_policy()).unwrap();
    let compiled = JsFuture::from(access_check::web::compile(object.clone())).await.unwrap();
    for (what, value) in [("an object", object.clone()), ("a compiled policy", compiled)] {
        let tag = fresh_tag();
        let element = create(&tag, &[("tier", "frontier"), ("now", SCENARIO_NOW)]);
        Reflect::set(&element, &"policy".into(), &value).unwrap();
        call(&element, "addToken", &identity.clone().into());
        call(&element, "addToken", &location.clone().into());
        let decision = next_event(&element, "access-check:decision");
        mount(&element);
        assert_eq!(text_at(&decision.await.unwrap(), &["outcome"]), "granted", "{what}");
        element.remove();
    }
    // An invalid object is a site problem naming the path; a URL string becomes the attribute.
    let tag = fresh_tag();
    let element = create(&tag, &[("tier", "frontier"), ("now", SCENARIO_NOW)]);
    let broken = js_sys::JSON::parse(&demo_policy().replacen("\"CU\"", "\"XX\"", 1)).unwrap();
    Reflect::set(&element, &"policy".into(), &broken).unwrap();
    let error = next_event(&element, "access-check:error");
    mount(&element);
    let error = error.await.unwrap();
    assert_eq!(text_at(&error, &["code"]), "POLICY_INVALID");
    assert!(text_at(&error, &["message"]).contains("countries_not_in[0]"));
    Reflect::set(&element, &"policy".into(), &JsValue::from_str("/policy.json")).unwrap();
    assert_eq!(element.get_attribute("policy").as_deref(), Some("/policy.json"));
    element.remove();
}

/// A policy URL on another origin that cannot be read says that CORS may be why, not "timeout".
#[wasm_bindgen_test]
async fn an_unreadable_cross_origin_policy_url_names_cors() {
    let tag = fresh_tag();
    // Nothing listens on port 9 here: the fetch fails at once, as a CORS refusal would.
    let element = create(&tag, &[("policy", "http://127.0.0.1:9/policy.json"), ("tier", "frontier")]);
    let error = next_event(&element, "access-check:error");
    mount(&element);
    let error = error.await.unwrap();
    assert_eq!(text_at(&error, &["code"]), "POLICY_INVALID");
    let message = text_at(&error, &["message"]);
    assert!(message.contains("Access-Control-Allow-Origin") && !message.contains("within"), "{message}");
    element.remove();
}

/// Tokens from the attestation endpoint are renewed before they expire (a fifth of their
/// lifetime before): with 5-second location tokens, the decision stays granted past the first
/// token's expiry, and each renewal fetched a fresh token.
#[wasm_bindgen_test]
async fn endpoint_tokens_are_renewed_before_they_expire() {
    use std::cell::Cell;
    use std::rc::Rc;
    let calls = Rc::new(Cell::new(0u32));
    let counted = calls.clone();
    let mint = Closure::<dyn FnMut() -> JsValue>::new(move || {
        counted.set(counted.get() + 1);
        let now = (js_sys::Date::now() / 1000.0) as u64;
        let edge = keys().edge;
        let claims = with(&location_claims(), &[("iat", now.into()), ("exp", (now + 5).into())]);
        JsValue::from_str(&format!("{{\"tokens\":[\"{}\"]}}", sign(&edge, LOCATION, &claims)))
    });
    let patch = Function::new_with_args(
        "mint",
        "const original = window.fetch;
         window.fetch = (url, init) => String(url).startsWith('https://renewing.test/')
           ? Promise.resolve(new Response(mint(), { headers: { 'content-type': 'application/json' } }))
           : original(url, init);
         return () => { window.fetch = original; };",
    );
    let restore: Function = patch.call1(&JsValue::NULL, mint.as_ref()).unwrap().dyn_into().unwrap();
    let tag = fresh_tag();
    // On the real clock (the element has no `now` here), like the endpoint's tokens.
    let now = (js_sys::Date::now() / 1000.0) as u64;
    let claims = [("iat", (now - 60).into()), ("exp", (now + 3600).into()), ("verified_at", (now - 86_400).into())];
    let identity = sign(&keys().idv_es256, IDENTITY, &with(&identity_claims(), &claims));
    let element = create(
        &tag,
        &[
            ("policy", &policy_script(&demo_policy())),
            ("tier", "frontier"),
            ("attestation-endpoint", "https://renewing.test/location"),
        ],
    );
    call(&element, "addToken", &identity.into());
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    let first = decision.await.unwrap();
    assert_eq!(
        text_at(&first, &["outcome"]),
        "granted",
        "{}",
        String::from(js_sys::JSON::stringify(&get(&first, &["tokens"])).unwrap())
    );
    eventually("two renewals", || calls.get() >= 3).await;
    let report = get(&element, &["report"]);
    assert_eq!(text_at(&report, &["outcome"]), "granted", "past the first token's expiry");
    element.remove();
    restore.call0(&JsValue::NULL).unwrap();
}

/// When the endpoint keeps giving the tokens that ran out, "Check again" cannot help: the
/// remedy is reloading the page, with a button that does, and the re-check says so.
#[wasm_bindgen_test]
async fn an_endpoint_that_cannot_renew_leads_to_reload_the_page() {
    let tag = fresh_tag();
    let (identity, _) = citizen_tokens();
    // A location token that ran out ten minutes before the scenario's clock, always the same
    // (not long enough before to point at the device clock).
    let now: u64 = SCENARIO_NOW.parse().unwrap();
    let claims = [("iat", (now - 900).into()), ("exp", (now - 600).into())];
    let location = sign(&keys().edge, LOCATION, &with(&location_claims(), &claims));
    let url = blob_url(&format!("{{\"tokens\":[\"{location}\"]}}"));
    let element = create(
        &tag,
        &[
            ("policy", &policy_script(&demo_policy())),
            ("tier", "frontier"),
            ("now", SCENARIO_NOW),
            ("attestation-endpoint", &url),
        ],
    );
    call(&element, "addToken", &identity.into());
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    let report = decision.await.unwrap();
    assert_eq!(text_at(&report, &["outcome"]), "action_required");
    assert!(find(&element, "button.reload").is_none(), "a first fetch may still be renewed");
    let retry: web_sys::HtmlElement = find(&element, "button.retry").expect("check again").dyn_into().unwrap();
    retry.click();
    eventually("the reload remedy", || find(&element, "button.reload").is_some()).await;
    assert!(find(&element, "button.retry").is_none(), "no button that cannot help");
    let text = shadow_text(&element);
    assert!(text.contains("Reload the page to check again."), "{text}");
    assert!(text.contains("Checked again: nothing has changed."), "{text}");
    // Only the step that works is offered: no "check your location again" beside the reload.
    assert!(!text.contains("Check your location again."), "{text}");
    element.remove();
}

/// A short-lived token that ran out while the page stayed open (hours ago, by the page's
/// clock) says it expired; the device clock is not blamed, because the token was valid when
/// it arrived.
#[wasm_bindgen_test]
async fn a_token_that_ran_out_while_the_page_stayed_open_does_not_blame_the_clock() {
    let tag = fresh_tag();
    let (identity, _) = citizen_tokens();
    let now: u64 = SCENARIO_NOW.parse().unwrap();
    let claims = [("iat", (now - 60).into()), ("exp", (now + 240).into())];
    let location = sign(&keys().edge, LOCATION, &with(&location_claims(), &claims));
    let element =
        create(&tag, &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", SCENARIO_NOW)]);
    call(&element, "addToken", &identity.into());
    call(&element, "addToken", &location.clone().into());
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    assert_eq!(text_at(&decision.await.unwrap(), &["outcome"]), "granted");
    // Two hours later by the page's clock.
    let later = next_event(&element, "access-check:decision");
    element.set_attribute("now", &(now + 7200).to_string()).unwrap();
    let report = later.await.unwrap();
    let codes = first_tier_codes(&report);
    assert_eq!(codes, ["TOKEN_EXPIRED"], "{codes:?}");
    let text = shadow_text(&element);
    assert!(text.contains("Check your location again."), "{text}");
    element.remove();
    // The same token first given to a page whose clock already reads two hours later looked
    // long expired on arrival: that points at the clock.
    let tag = fresh_tag();
    let (identity, _) = citizen_tokens();
    let later_now = (now + 7200).to_string();
    let element =
        create(&tag, &[("policy", &policy_script(&demo_policy())), ("tier", "frontier"), ("now", &later_now)]);
    call(&element, "addToken", &identity.into());
    call(&element, "addToken", &location.into());
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    let report = decision.await.unwrap();
    let codes = first_tier_codes(&report);
    assert!(codes.contains(&"CLOCK_SKEW_SUSPECTED".to_owned()), "{codes:?}");
    element.remove();
}

/// The compact layout keeps the top reason and the other tiers' status (not only a headline).
#[wasm_bindgen_test]
async fn the_compact_layout_keeps_the_top_reason_and_the_other_tiers() {
    let tag = fresh_tag();
    let keys = keys();
    let (identity, _) = citizen_tokens();
    let iran = sign(&keys.edge, LOCATION, &with(&location_claims(), &[("country", "IR".into())]));
    let element =
        create(&tag, &[("policy", &policy_script(&demo_policy())), ("now", SCENARIO_NOW), ("layout", "compact")]);
    call(&element, "addToken", &identity.into());
    call(&element, "addToken", &iran.into());
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    let report = decision.await.unwrap();
    let first_reason = text_at(&get(&report, &["tiers", "0", "explanation", "items"]), &["0"]);
    let reasons = find(&element, ".reasons").expect("the top reason is shown");
    assert_eq!(reasons.text_content().unwrap(), first_reason);
    assert_eq!(reasons.child_element_count(), 1, "only the top one");
    let other = find(&element, "li[data-tier=standard]").expect("the other tier's status");
    assert_eq!(other.get_attribute("data-outcome").as_deref(), Some("blocked"));
    element.remove();
}

/// With `token-param`, the identity link comes back to this page (its address without the
/// fragment) and keeps the link's own query and fragment in their places.
#[wasm_bindgen_test]
async fn the_identity_link_says_where_to_come_back_to() {
    let tag = fresh_tag();
    let policy = demo_policy()
        .replace("\"https://idv.example.com/verify\"", "\"https://idv.example.com/verify?flow=web#start\"");
    assert_ne!(policy, demo_policy(), "the link was found and changed");
    let element = create(
        &tag,
        &[("policy", &policy_script(&policy)), ("tier", "frontier"), ("now", SCENARIO_NOW), ("token-param", "attest")],
    );
    let decided = next_event(&element, "access-check:decision");
    mount(&element);
    decided.await.unwrap();
    let link = find(&element, "a[part~=remedy]").expect("the identity link");
    let href = link.get_attribute("href").unwrap_or_default();
    let here = web_sys::window().unwrap().location().href().unwrap();
    let here = here.split('#').next().unwrap().to_owned();
    let encoded: String = js_sys::encode_uri_component(&here).into();
    assert_eq!(href, format!("https://idv.example.com/verify?flow=web&return={encoded}#start"));
    assert!(link.get_attribute("target").is_none(), "same tab: {href}");
    element.remove();
}

/// A token the endpoint gives again after an outage keeps the time it first arrived: when it
/// has since run out, it is expired, not a sign of a wrong clock.
#[wasm_bindgen_test]
async fn an_endpoint_outage_does_not_make_an_old_token_look_new() {
    let now: u64 = SCENARIO_NOW.parse().unwrap();
    let claims = [("iat", (now - 60).into()), ("exp", (now + 240).into())];
    let location = sign(&keys().edge, LOCATION, &with(&location_claims(), &claims));
    let patch = Function::new_with_args(
        "body",
        "const original = window.fetch;
         window.__endpointDown = false;
         window.fetch = (url, init) => String(url).startsWith('https://outage.test/')
           ? Promise.resolve(window.__endpointDown
               ? new Response('down', { status: 503 })
               : new Response(body, { headers: { 'content-type': 'application/json' } }))
           : original(url, init);
         return () => { window.fetch = original; };",
    );
    let body = JsValue::from_str(&format!("{{\"tokens\":[\"{location}\"]}}"));
    let restore: Function = patch.call1(&JsValue::NULL, &body).unwrap().dyn_into().unwrap();
    let set_down = |down: bool| {
        Reflect::set(&web_sys::window().unwrap(), &"__endpointDown".into(), &down.into()).unwrap();
    };
    let tag = fresh_tag();
    let (identity, _) = citizen_tokens();
    let element = create(
        &tag,
        &[
            ("policy", &policy_script(&demo_policy())),
            ("tier", "frontier"),
            ("now", SCENARIO_NOW),
            ("attestation-endpoint", "https://outage.test/location"),
        ],
    );
    call(&element, "addToken", &identity.into());
    let decision = next_event(&element, "access-check:decision");
    mount(&element);
    assert_eq!(text_at(&decision.await.unwrap(), &["outcome"]), "granted");
    // The endpoint goes down: checking again (the page's `refresh()`) shows the outage.
    set_down(true);
    let refreshed: js_sys::Promise = call(&element, "refresh", &JsValue::UNDEFINED).dyn_into().unwrap();
    let _ = wasm_bindgen_futures::JsFuture::from(refreshed).await;
    eventually("the outage", || find(&element, ".container.error").is_some()).await;
    // Two hours later by the page's clock it is back, with the same token.
    element.set_attribute("now", &(now + 7200).to_string()).unwrap();
    set_down(false);
    let decision = next_event(&element, "access-check:decision");
    let retry: web_sys::HtmlElement = find(&element, "button.retry").expect("check again").dyn_into().unwrap();
    retry.click();
    let report = decision.await.unwrap();
    let codes = first_tier_codes(&report);
    assert_eq!(codes, ["TOKEN_EXPIRED"], "{codes:?}");
    element.remove();
    restore.call0(&JsValue::NULL).unwrap();
}
