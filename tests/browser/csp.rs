//! The element under a strict Content-Security-Policy causes no violation. A separate test
//! binary (so a separate page): the policy, once in force, stays in force.

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

use demo::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

const STRICT: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

async fn sleep(millis: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis).unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn the_element_causes_no_violation_under_a_strict_policy() {
    let document = web_sys::window().unwrap().document().unwrap();
    let violations: Rc<RefCell<Vec<String>>> = Rc::default();
    let seen = violations.clone();
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let directive = js_sys::Reflect::get(&event, &"violatedDirective".into()).ok().and_then(|v| v.as_string());
        seen.borrow_mut().push(directive.unwrap_or_default());
    });
    document.add_event_listener_with_callback("securitypolicyviolation", listener.as_ref().unchecked_ref()).unwrap();
    let meta = document.create_element("meta").unwrap();
    meta.set_attribute("http-equiv", "Content-Security-Policy").unwrap();
    meta.set_attribute("content", STRICT).unwrap();
    document.head().unwrap().append_child(&meta).unwrap();

    // The detector works: an inline style attribute is a violation under this policy.
    let probe = document.create_element("div").unwrap();
    probe.set_attribute("style", "color: red").unwrap();
    document.body().unwrap().append_child(&probe).unwrap();
    sleep(100).await;
    assert!(!violations.borrow().is_empty(), "the probe's inline style should have been reported");
    violations.borrow_mut().clear();
    probe.remove();

    assert!(access_check::web::define(Some("access-check-csp".into())).unwrap());
    let keys = keys();
    let script = document.create_element("script").unwrap();
    script.set_attribute("type", "application/json").unwrap();
    script.set_id("csp-policy");
    script.set_text_content(Some(&policy(&keys).to_compact()));
    document.body().unwrap().append_child(&script).unwrap();
    for (lang, theme, layout) in [("en", "light", "full"), ("ar", "dark", "compact"), ("es", "auto", "full")] {
        let element: HtmlElement = document.create_element("access-check-csp").unwrap().dyn_into().unwrap();
        for (name, value) in
            [("policy", "#csp-policy"), ("now", "1795305600"), ("lang", lang), ("theme", theme), ("layout", layout)]
        {
            element.set_attribute(name, value).unwrap();
        }
        let vpn = keys
            .edge
            .sign_json(&keys.edge.header(LOCATION), &mint::with(&location_claims(), &[("anonymizer", "vpn".into())]));
        let add: js_sys::Function = js_sys::Reflect::get(&element, &"addToken".into()).unwrap().dyn_into().unwrap();
        add.call1(&element, &vpn.into()).unwrap();
        document.body().unwrap().append_child(&element).unwrap();
        sleep(300).await;
        let shadow = element.shadow_root().unwrap();
        assert!(
            shadow.query_selector("[role=status]").unwrap().unwrap().text_content().unwrap().len() > 10,
            "{lang}: rendered"
        );
        // Open the support disclosure and use the buttons.
        if let Some(summary) = shadow.query_selector("summary").unwrap() {
            summary.dyn_into::<HtmlElement>().unwrap().click();
        }
        if let Some(retry) = shadow.query_selector("button.retry").unwrap() {
            retry.dyn_into::<HtmlElement>().unwrap().click();
        }
        sleep(200).await;
        element.remove();
    }
    assert_eq!(violations.borrow().as_slice(), &[] as &[String], "CSP violations");
    drop(listener);
}
