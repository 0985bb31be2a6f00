//! `<access-check>` (SPEC §7): inputs, loading, evaluation and events. Rendering is in
//! [`super::render`]; deciding is the core's.
//!
//! Inputs: attributes, `addToken()`, the `attestation-endpoint`, a URL-fragment token. Tokens
//! live in this element's memory only. Every async step carries the element's generation and
//! is dropped if the element was disconnected or reconfigured meanwhile.

use super::compiled::Compiled;
use super::fetch;
use super::owned::{Listener, Timer};
use super::render::{Options, View};
use super::{clock, report_to_js};
use crate::core::check::{self, Request};
use crate::core::codes::Code;
use crate::core::explain::Catalogue;
use crate::core::json::Json;
use crate::core::policy::keys::FetchedJwks;
use crate::core::policy::Policy;
use crate::core::report::Report;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

/// Attributes that change what the element shows.
const OBSERVED: &[&str] =
    &["policy", "tier", "lang", "theme", "layout", "attestation-endpoint", "token-param", "now", "server-time"];
const POLICY_TIMEOUT_MS: i32 = 10_000;
const KEYS_TIMEOUT_MS: i32 = 8_000;
const ENDPOINT_TIMEOUT_MS: i32 = 8_000;
const ATTEMPTS: u32 = 3;

#[wasm_bindgen(module = "/src/web/element.js")]
extern "C" {
    #[wasm_bindgen(js_name = defineElement, catch)]
    fn define_element(tag: &str, create: &JsValue, observed: &js_sys::Array) -> Result<bool, JsValue>;
}

thread_local! {
    /// Makes the Rust side of each new element. Created once and kept for the page's life.
    static CREATE: Closure<dyn FnMut(HtmlElement) -> JsValue> =
        Closure::new(|host: HtmlElement| JsValue::from(ElementHandle { element: Element::new(host) }));
    /// JWKS documents fetched from `jwks_uri`s, shared by every element for the page's life.
    static JWKS_CACHE: RefCell<Vec<FetchedJwks>> = const { RefCell::new(Vec::new()) };
}

pub fn define(tag: &str) -> Result<bool, JsValue> {
    let observed: js_sys::Array = OBSERVED.iter().map(|name| JsValue::from_str(name)).collect();
    CREATE.with(|create| define_element(tag, create.as_ref(), &observed))
}

/// What JS holds for one element (internal: not in the public types).
#[wasm_bindgen(skip_typescript)]
pub struct ElementHandle {
    element: Rc<Element>,
}

#[wasm_bindgen]
impl ElementHandle {
    pub fn connected(&self) {
        Element::connected(&self.element);
    }

    pub fn disconnected(&self) {
        self.element.disconnected();
    }

    #[wasm_bindgen(js_name = attributeChanged)]
    pub fn attribute_changed(&self, name: &str) {
        Element::attribute_changed(&self.element, name);
    }

    /// The latest report, or null before the first decision.
    pub fn report(&self) -> JsValue {
        self.element.state.borrow().report.as_ref().map_or(JsValue::NULL, report_to_js)
    }

    #[wasm_bindgen(js_name = addToken)]
    pub fn add_token(&self, jws: String) {
        Element::add_token(&self.element, jws);
    }

    /// Fetches again what can be fetched, re-evaluates, and resolves with the report.
    pub fn refresh(&self) -> js_sys::Promise {
        let element = Rc::downgrade(&self.element);
        wasm_bindgen_futures::future_to_promise(async move {
            if let Some(element) = element.upgrade() {
                Element::reload(&element, true).await;
                return Ok(element.state.borrow().report.as_ref().map_or(JsValue::NULL, report_to_js));
            }
            Ok(JsValue::NULL)
        })
    }

    #[wasm_bindgen(js_name = supportCode)]
    pub fn support_code(&self) -> Option<String> {
        self.element.state.borrow().report.as_ref().map(|report| report.support_code.clone())
    }

    /// Shows the decision a support code holds, exactly as its user saw it (read-only).
    pub fn replay(&self, code: &str) {
        Element::replay(&self.element, code);
    }

    /// A promise of the current decision, or of the next one if none was made yet: a reader
    /// that comes late (a React effect) never misses it. Rejects when the element shows a site
    /// problem instead.
    pub fn decided(&self) -> js_sys::Promise {
        let element = self.element.clone();
        js_sys::Promise::new(&mut |resolve, reject| {
            let mut state = element.state.borrow_mut();
            match &state.report {
                Some(report) if !state.replaying => {
                    let _ = resolve.call1(&JsValue::NULL, &report_to_js(report));
                }
                _ => state.waiting.push((resolve, reject)),
            }
        })
    }

    /// The `policy` property: a policy object, or its JSON text; `null` goes back to the
    /// attribute.
    #[wasm_bindgen(js_name = setPolicy)]
    pub fn set_policy(&self, policy: JsValue) {
        let chosen = if policy.is_null() || policy.is_undefined() {
            None
        } else {
            Some(
                super::policy_from_js(&policy)
                    .map(|policy| Rc::new(Compiled::new(policy)))
                    .map_err(|message| policy_problem(format!("the policy property is invalid: {message}"))),
            )
        };
        self.use_policy_property(chosen);
    }

    /// The `policy` property given a `compile()`d policy: used as it is.
    #[wasm_bindgen(js_name = setCompiledPolicy)]
    pub fn set_compiled_policy(&self, compiled: &super::CompiledPolicy) {
        self.use_policy_property(Some(Ok(compiled.inner.clone())));
    }
}

impl ElementHandle {
    /// Decides with the `policy` property's value (`None`: the attribute's) from now on.
    fn use_policy_property(&self, policy: Option<Result<Rc<Compiled>, Problem>>) {
        self.element.state.borrow_mut().policy_property = policy;
        if self.element.state.borrow().connected {
            Element::spawn_reload(&self.element);
        }
    }
}

/// A configuration problem the integrator must fix: shown as `error`, never a grant.
#[derive(Clone, PartialEq)]
struct Problem {
    code: Code,
    message: String,
}

enum PolicyState {
    Loading,
    Ready(Rc<Compiled>),
    Failed(Problem),
}

struct State {
    connected: bool,
    generation: u32,
    policy: PolicyState,
    /// From `addToken()` and the URL fragment.
    added_tokens: Vec<String>,
    /// When each of `added_tokens` was received (device clock, seconds).
    added_at: Vec<u64>,
    endpoint_tokens: Vec<String>,
    /// Every token the endpoint last gave, with when it first arrived: kept through an endpoint
    /// outage, so a token it gives again is not taken for a new one.
    endpoint_seen: Vec<(String, u64)>,
    /// Why the attestation endpoint could not be read, until it can: a site problem.
    endpoint_problem: Option<Problem>,
    /// A policy given as the `policy` property (object or compiled), which wins over the
    /// attribute.
    policy_property: Option<Result<Rc<Compiled>, Problem>>,
    /// `decided` promises waiting for the next decision: (resolve, reject).
    waiting: Vec<(js_sys::Function, js_sys::Function)>,
    /// Server `Date` minus the device clock when it was read.
    server_offset: Option<i64>,
    report: Option<Report>,
    /// Counts evaluations started: a decision that finishes after a later one started is
    /// dropped (WebCrypto answers asynchronously).
    evaluations: u32,
    /// Outcome and reasons of the last `access-check:decision`, to fire only on change.
    last_decision: Option<String>,
    /// The last problem reported on the console and by event, to report each once.
    last_problem: Option<Problem>,
    replaying: bool,
    timer: Option<Timer>,
    /// Fetches the attestation endpoint again before its tokens expire.
    renewal: Option<Timer>,
    /// The endpoint answered with the tokens it had already given: renewing again would not
    /// help until something changes (a reload, a refresh).
    renewal_stalled: bool,
    listeners: Vec<Listener>,
    /// The page's focus, visibility and fragment listeners, for the element's life on the page.
    page_listeners: Vec<Listener>,
    /// A check the user asked for (or a return to the page) is under way: when it brings the
    /// same decision, the element says so instead of announcing the decision again.
    rechecking: bool,
    /// When the page last came back into view or focus and was checked again (ms).
    last_return_check: f64,
}

impl State {
    /// When the endpoint first gave `token`, if it has.
    fn endpoint_arrival(&self, token: &str) -> Option<u64> {
        self.endpoint_seen.iter().find(|(seen, _)| seen == token).map(|(_, at)| *at)
    }
}

pub struct Element {
    host: HtmlElement,
    view: Option<View>,
    state: RefCell<State>,
}

impl Element {
    fn new(host: HtmlElement) -> Rc<Element> {
        let view = View::new(&host).ok();
        Rc::new(Element {
            host,
            view,
            state: RefCell::new(State {
                connected: false,
                generation: 0,
                policy: PolicyState::Loading,
                added_tokens: Vec::new(),
                added_at: Vec::new(),
                endpoint_tokens: Vec::new(),
                endpoint_seen: Vec::new(),
                endpoint_problem: None,
                policy_property: None,
                waiting: Vec::new(),
                server_offset: None,
                report: None,
                evaluations: 0,
                last_decision: None,
                last_problem: None,
                replaying: false,
                timer: None,
                renewal: None,
                renewal_stalled: false,
                listeners: Vec::new(),
                page_listeners: Vec::new(),
                rechecking: false,
                last_return_check: 0.0,
            }),
        })
    }

    /// The device clock, or the `now` attribute when it sets one (as evaluations read it).
    fn device_now(&self) -> u64 {
        self.attribute("now").and_then(|value| value.trim().parse().ok()).unwrap_or_else(clock::now)
    }

    fn attribute(&self, name: &str) -> Option<String> {
        self.host.get_attribute(name).filter(|value| !value.trim().is_empty())
    }

    fn connected(this: &Rc<Element>) {
        this.state.borrow_mut().connected = true;
        this.take_fragment_token();
        Element::listen_to_page(this);
        Element::spawn_reload(this);
    }

    /// Checks again when the user comes back to the page (another tab where they verified
    /// their identity, a laptop woken up), and takes a token that arrives in the fragment.
    fn listen_to_page(this: &Rc<Element>) {
        let Some(window) = web_sys::window() else { return };
        let mut listeners = Vec::new();
        let returned = {
            let weak = Rc::downgrade(this);
            move |_: web_sys::Event| {
                if let Some(element) = weak.upgrade() {
                    Element::returned(&element);
                }
            }
        };
        listeners.push(Listener::new(&window, "focus", returned.clone()));
        if let Some(document) = window.document() {
            listeners.push(Listener::new(&document, "visibilitychange", returned));
        }
        let weak = Rc::downgrade(this);
        listeners.push(Listener::new(&window, "hashchange", move |_| {
            if let Some(element) = weak.upgrade() {
                let before = element.state.borrow().added_tokens.len();
                element.take_fragment_token();
                if element.state.borrow().added_tokens.len() != before {
                    Element::evaluate(&element);
                }
            }
        }));
        this.state.borrow_mut().page_listeners = listeners;
    }

    /// The page is visible and focused again: unless access is granted already, fetch what
    /// can be fetched and decide again, showing that a check is under way. At most every few
    /// seconds (focus and visibility often fire together).
    fn returned(this: &Rc<Element>) {
        const QUIET_MS: f64 = 5_000.0;
        let visible = web_sys::window()
            .and_then(|window| window.document())
            .is_none_or(|document| document.visibility_state() == web_sys::VisibilityState::Visible);
        let now = js_sys::Date::now();
        {
            let state = this.state.borrow();
            let granted = state.report.as_ref().is_some_and(|report| report.outcome.as_str() == "granted");
            if !visible || !state.connected || state.replaying || granted || now - state.last_return_check < QUIET_MS {
                return;
            }
        }
        this.state.borrow_mut().last_return_check = now;
        this.take_fragment_token();
        Element::spawn_refresh(this);
    }

    fn disconnected(&self) {
        let mut state = self.state.borrow_mut();
        state.connected = false;
        state.generation = state.generation.wrapping_add(1);
        state.timer = None;
        state.renewal = None;
        state.listeners.clear();
        state.page_listeners.clear();
    }

    fn attribute_changed(this: &Rc<Element>, name: &str) {
        if !this.state.borrow().connected {
            return;
        }
        match name {
            "policy" | "attestation-endpoint" => Element::spawn_reload(this),
            "token-param" => {
                this.take_fragment_token();
                Element::evaluate(this);
            }
            _ => Element::evaluate(this),
        }
    }

    fn add_token(this: &Rc<Element>, jws: String) {
        let jws = jws.trim().to_owned();
        let at = this.device_now();
        if !remember(&mut this.state.borrow_mut(), jws, at) {
            return;
        }
        if this.state.borrow().connected {
            Element::evaluate(this);
        }
    }

    /// Takes the token delivered in the URL fragment (`#<token-param>=<jws>`) and removes it
    /// from the address bar at once (SECURITY.md rule 18). The query string is never read.
    fn take_fragment_token(&self) {
        let Some(param) = self.attribute("token-param") else { return };
        let Some(window) = web_sys::window() else { return };
        let location = window.location();
        let Ok(hash) = location.hash() else { return };
        let fragment = hash.strip_prefix('#').unwrap_or(&hash);
        if fragment.is_empty() {
            return;
        }
        let mut token = None;
        let mut kept: Vec<&str> = Vec::new();
        for pair in fragment.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name == param && token.is_none() {
                token = js_sys::decode_uri_component(value).ok().and_then(|v| v.as_string());
            } else {
                kept.push(pair);
            }
        }
        let Some(token) = token else { return };
        let path = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
        let url = if kept.is_empty() { path } else { format!("{path}#{}", kept.join("&")) };
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
        }
        let at = self.device_now();
        remember(&mut self.state.borrow_mut(), token, at);
    }

    fn spawn_reload(this: &Rc<Element>) {
        let weak = Rc::downgrade(this);
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(element) = weak.upgrade() {
                Element::reload(&element, false).await;
            }
        });
    }

    /// Loads the policy, the issuers' keys and the endpoint's tokens, then evaluates.
    /// `again` (from `refresh()`) also retries keys that failed before.
    async fn reload(this: &Rc<Element>, again: bool) {
        Element::reload_showing(this, again, true).await;
    }

    /// [`Element::reload`]; `checking`: show "Checking your access…" meanwhile (not for a
    /// renewal in the background, which must not flicker).
    async fn reload_showing(this: &Rc<Element>, again: bool, checking: bool) {
        let generation = {
            let mut state = this.state.borrow_mut();
            state.generation = state.generation.wrapping_add(1);
            state.replaying = false;
            if !again {
                state.policy = PolicyState::Loading;
            }
            state.generation
        };
        if let (Some(view), true) = (&this.view, checking) {
            view.checking(&this.lang());
        }
        let weak = Rc::downgrade(this);
        let policy = match (again, &this.state.borrow().policy, &this.state.borrow().policy_property) {
            (_, _, Some(property)) => Some(property.clone()),
            (true, PolicyState::Ready(policy), None) => Some(Ok(policy.clone())),
            _ => None,
        };
        let policy = match policy {
            Some(ready) => ready,
            None => match load_policy(this.attribute("policy")).await {
                Ok(policy) => {
                    let compiled = Rc::new(Compiled::new(policy));
                    compiled.import_keys().await;
                    Ok(compiled)
                }
                Err(problem) => Err(problem),
            },
        };
        let Some(this) = current(&weak, generation) else { return };
        let policy = match policy {
            Ok(policy) => policy,
            Err(problem) => {
                // The site-problem message in the user's language too.
                super::languages::ensure(&this.lang()).await;
                let Some(this) = current(&weak, generation) else { return };
                this.state.borrow_mut().policy = PolicyState::Failed(problem);
                Element::evaluate(&this);
                return;
            }
        };
        this.state.borrow_mut().policy = PolicyState::Ready(policy.clone());
        let missing = fetch_keys(&policy.policy).await;
        let Some(this) = current(&weak, generation) else { return };
        if let Some(problem) = missing {
            this.report_problem(&problem);
        }
        if let Some(endpoint) = this.attribute("attestation-endpoint") {
            let result = load_endpoint(&endpoint).await;
            let Some(this) = current(&weak, generation) else { return };
            let mut state = this.state.borrow_mut();
            match result {
                Ok((tokens, offset)) => {
                    // A renewal that brought nothing new would only repeat itself.
                    let same = tokens.iter().eq(state.endpoint_seen.iter().map(|(token, _)| token));
                    state.renewal_stalled = !checking && !tokens.is_empty() && same;
                    let now = this.device_now();
                    let seen = tokens.iter().map(|token| (token.clone(), state.endpoint_arrival(token).unwrap_or(now)));
                    state.endpoint_seen = seen.collect();
                    state.endpoint_tokens = tokens;
                    state.server_offset = offset.or(state.server_offset);
                    state.endpoint_problem = None;
                }
                // Not the user's missing attestations: the site's problem, with a retry.
                Err(message) => {
                    state.endpoint_tokens.clear();
                    state.endpoint_problem = Some(Problem {
                        code: Code::EndpointUnavailable,
                        message: format!("attestation-endpoint=\"{endpoint}\": {message}"),
                    });
                }
            }
        } else {
            this.state.borrow_mut().endpoint_problem = None;
        }
        let Some(this) = current(&weak, generation) else { return };
        Element::evaluate(&this);
    }

    /// The language: the `lang` attribute, then `<html lang>`, then the browser's languages.
    fn lang(&self) -> String {
        if let Some(lang) = self.attribute("lang") {
            return lang;
        }
        let window = web_sys::window();
        let page = window
            .as_ref()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|html| html.get_attribute("lang"))
            .filter(|lang| !lang.is_empty());
        if let Some(lang) = page {
            return lang;
        }
        // The first of the browser's languages that has a catalogue.
        let languages = window.map(|w| w.navigator().languages()).unwrap_or_default();
        languages
            .iter()
            .filter_map(|lang| lang.as_string())
            .find(|lang| Catalogue::supports(lang))
            .unwrap_or_else(|| "en".to_owned())
    }

    /// Reads and checks the attributes that have a fixed form.
    fn options(&self) -> Result<(Options, Option<u64>, Option<u64>), Problem> {
        let invalid = |name: &str, value: &str, expected: &str| Problem {
            code: Code::AttributeInvalid,
            message: format!("the {name} attribute {value:?} is not valid: use {expected}"),
        };
        let theme = self.attribute("theme").unwrap_or_else(|| "auto".into());
        if !matches!(theme.as_str(), "auto" | "light" | "dark") {
            return Err(invalid("theme", &theme, "auto, light or dark"));
        }
        let layout = self.attribute("layout").unwrap_or_else(|| "full".into());
        if !matches!(layout.as_str(), "full" | "compact") {
            return Err(invalid("layout", &layout, "full or compact"));
        }
        let seconds = |name: &str| -> Result<Option<u64>, Problem> {
            match self.attribute(name) {
                None => Ok(None),
                Some(value) => value
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n <= crate::core::json::MAX_SAFE_INTEGER)
                    .map(Some)
                    .ok_or_else(|| invalid(name, &value, "whole seconds since 1970")),
            }
        };
        let now = seconds("now")?;
        let server_time = seconds("server-time")?;
        let options = Options {
            compact: layout == "compact",
            per_tier: self.attribute("tier").is_none(),
            same_tab_verification: self.attribute("token-param").is_some(),
            ..Options::default()
        };
        Ok((options, now, server_time))
    }

    /// Decides with what is loaded, shows it, fires events, and schedules re-evaluation.
    fn evaluate(this: &Rc<Element>) {
        if this.state.borrow().replaying || !this.state.borrow().connected {
            return;
        }
        let lang = this.lang();
        let policy = match &this.state.borrow().policy {
            PolicyState::Loading => return,
            PolicyState::Ready(policy) => Ok(policy.clone()),
            PolicyState::Failed(problem) => Err(problem.clone()),
        };
        let options = this.options();
        let endpoint_problem = this.state.borrow().endpoint_problem.clone();
        let policy = match (policy, endpoint_problem) {
            (Ok(_), Some(problem)) => Err(problem),
            (policy, _) => policy,
        };
        let (policy, (options, now_attribute, server_attribute)) = match (policy, options) {
            (Ok(policy), Ok(options)) => (policy, options),
            (Err(problem), _) | (_, Err(problem)) => {
                this.show_problem(&problem, &lang);
                return;
            }
        };
        let device_now = now_attribute.unwrap_or_else(clock::now);
        let request = {
            let state = this.state.borrow();
            let offset_time = state
                .server_offset
                .map(|offset| device_now.saturating_add_signed(offset))
                .filter(|_| now_attribute.is_none());
            // When each token arrived: one that ran out while the page stayed open is not a
            // sign of a wrong clock.
            let arrived = |token: &String| state.endpoint_arrival(token).unwrap_or(device_now);
            let received_at = state.added_at.iter().copied().chain(state.endpoint_tokens.iter().map(arrived));
            Request {
                tokens: state.added_tokens.iter().chain(&state.endpoint_tokens).cloned().collect(),
                tier: this.attribute("tier"),
                now: device_now,
                server_time: server_attribute.or(offset_time),
                nonce: None,
                lang: lang.clone(),
                fetched_jwks: JWKS_CACHE.with(|cache| cache.borrow().clone()),
                received_at: received_at.collect(),
            }
        };
        let (generation, evaluation) = {
            let mut state = this.state.borrow_mut();
            state.evaluations = state.evaluations.wrapping_add(1);
            (state.generation, state.evaluations)
        };
        let weak = Rc::downgrade(this);
        wasm_bindgen_futures::spawn_local(async move {
            let report = policy.decide(&request).await;
            let Some(this) = current(&weak, generation) else { return };
            if this.state.borrow().evaluations != evaluation || this.state.borrow().replaying {
                return;
            }
            if let Some(error) = &report.error {
                this.report_problem(&Problem { code: error.code, message: error.message.clone() });
            }
            // A signature this browser cannot check (its WebCrypto lacks the algorithm) is the
            // site's problem to know about: the token's detail names the algorithm.
            for token in report.tokens.iter().filter(|token| token.code == Some(Code::KeysUnavailable)) {
                if let Some(detail) = &token.detail {
                    this.report_problem(&Problem { code: Code::KeysUnavailable, message: detail.clone() });
                }
            }
            this.show(report, &options);
            if now_attribute.is_none() {
                Element::schedule(&this);
            }
        });
    }

    /// Renders a report and fires `access-check:decision` if the outcome or reasons changed.
    fn show(self: &Rc<Self>, report: Report, options: &Options) {
        let signature = decision_signature(&report);
        let rechecked = std::mem::take(&mut self.state.borrow_mut().rechecking);
        let same = self.state.borrow().last_decision.as_deref() == Some(signature.as_str());
        let reload_instead = self.cannot_renew(&report);
        let options = &Options { unchanged: rechecked && same, reload_instead, ..*options };
        let listeners = match &self.view {
            Some(view) => {
                let weak = Rc::downgrade(self);
                let retry = Rc::new(move || {
                    if let Some(element) = weak.upgrade() {
                        Element::spawn_refresh(&element);
                    }
                });
                view.show(&report, options, retry)
            }
            None => Vec::new(),
        };
        let changed = {
            let mut state = self.state.borrow_mut();
            state.listeners = listeners;
            let changed = state.last_decision.as_deref() != Some(signature.as_str());
            state.last_decision = Some(signature);
            state.report = Some(report);
            changed
        };
        let waiting = {
            let mut state = self.state.borrow_mut();
            if state.replaying {
                Vec::new()
            } else {
                std::mem::take(&mut state.waiting)
            }
        };
        if changed || !waiting.is_empty() {
            let detail = self.state.borrow().report.as_ref().map_or(JsValue::NULL, report_to_js);
            for (resolve, _) in waiting {
                let _ = resolve.call1(&JsValue::NULL, &detail);
            }
            if changed {
                self.dispatch("access-check:decision", &detail);
            }
        }
    }

    /// The endpoint's tokens ran out and fetching it again brings the same ones: only loading
    /// the page again can help (the site's session may have to be renewed).
    fn cannot_renew(&self, report: &Report) -> bool {
        let state = self.state.borrow();
        let first_from_endpoint = state.added_tokens.len();
        state.renewal_stalled
            && report
                .tokens
                .iter()
                .any(|token| token.index >= first_from_endpoint && token.code == Some(Code::TokenExpired))
    }

    /// "Check again" (and a return to the page): the decision stays on screen, marked as being
    /// checked, until the new one replaces it; a site problem is checked from the start.
    fn spawn_refresh(this: &Rc<Element>) {
        let showing_decision = this.state.borrow().report.is_some();
        if let (Some(view), true) = (&this.view, showing_decision) {
            view.busy(&this.lang());
        }
        this.state.borrow_mut().rechecking = showing_decision;
        let weak = Rc::downgrade(this);
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(element) = weak.upgrade() {
                Element::reload_showing(&element, true, !showing_decision).await;
            }
        });
    }

    /// Re-evaluates by itself once a token the decision relied on stops being accepted.
    fn schedule(this: &Rc<Element>) {
        Element::schedule_renewal(this);
        let mut state = this.state.borrow_mut();
        state.timer = None;
        let Some(report) = &state.report else { return };
        let Some(valid_until) = report.valid_until else { return };
        let now = report.clock.server_time.unwrap_or(report.clock.now);
        let at = valid_until.saturating_add(report.clock.leeway_seconds).saturating_add(1);
        let delay_ms = (at.saturating_sub(now) as f64) * 1000.0;
        let weak = Rc::downgrade(this);
        state.timer = Timer::new(delay_ms, move || {
            if let Some(element) = weak.upgrade() {
                Element::evaluate(&element);
            }
        });
    }

    /// Renews the attestation endpoint's tokens before the first of them expires (a fifth of
    /// its lifetime before, at most a minute), as a real edge issues short-lived ones: access
    /// does not silently lapse while the page stays open.
    fn schedule_renewal(this: &Rc<Element>) {
        let mut state = this.state.borrow_mut();
        state.renewal = None;
        if state.renewal_stalled || state.endpoint_tokens.is_empty() || this.attribute("attestation-endpoint").is_none()
        {
            return;
        }
        let Some(report) = &state.report else { return };
        let first_from_endpoint = state.added_tokens.len();
        let renew_at = report
            .tokens
            .iter()
            .filter(|token| token.index >= first_from_endpoint && token.code.is_none())
            .filter_map(|token| Some((token.summary.iat?, token.summary.exp?)))
            .map(|(iat, exp)| exp.saturating_sub((exp.saturating_sub(iat) / 5).min(60)))
            .min();
        let Some(renew_at) = renew_at else { return };
        let now = report.clock.server_time.unwrap_or(report.clock.now);
        let delay_ms = (renew_at.saturating_sub(now).max(1) as f64) * 1000.0;
        let weak = Rc::downgrade(this);
        state.renewal = Timer::new(delay_ms, move || {
            if let Some(element) = weak.upgrade() {
                wasm_bindgen_futures::spawn_local(async move {
                    Element::reload_showing(&element, true, false).await;
                });
            }
        });
    }

    fn replay(this: &Rc<Element>, code: &str) {
        let lang = this.lang();
        let policy = match &this.state.borrow().policy {
            PolicyState::Ready(policy) => Some(policy.clone()),
            _ => None,
        };
        let generation = {
            let mut state = this.state.borrow_mut();
            state.replaying = true;
            state.timer = None;
            state.evaluations = state.evaluations.wrapping_add(1);
            state.generation
        };
        // What the user saw in their language, as they saw it (the code records it), and what
        // is said to the agent in the page's: both wordings are loaded first.
        let recorded_lang = crate::core::support::decode(code).ok().map(|record| record.lang);
        let (code, weak) = (code.to_owned(), Rc::downgrade(this));
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(recorded) = &recorded_lang {
                super::languages::ensure(recorded).await;
            }
            super::languages::ensure(&lang).await;
            let Some(this) = current(&weak, generation) else { return };
            if !this.state.borrow().replaying {
                return;
            }
            match check::replay(&code, policy.as_ref().map(|compiled| &compiled.policy), None) {
                Ok(report) => {
                    let per_tier = this.attribute("tier").is_none();
                    let agent_lang = Some(crate::core::explain::Catalogue::negotiate(&lang).lang());
                    this.show(report, &Options { per_tier, agent_lang, ..Options::default() });
                }
                Err(error) => {
                    let problem = Problem { code: Code::SupportCodeInvalid, message: error.to_string() };
                    this.report_problem(&problem);
                    // Said to the support agent, who pasted it: what is wrong and what to ask for.
                    if let Some(view) = &this.view {
                        let problem = if code.trim().is_empty() { Ok(()) } else { Err(error.to_string()) };
                        view.code_problem(&lang, problem);
                    }
                    let mut state = this.state.borrow_mut();
                    state.report = None;
                    state.listeners.clear();
                }
            }
        });
    }

    /// Shows the site-problem state, never a grant, and tells the integrator once.
    fn show_problem(self: &Rc<Self>, problem: &Problem, lang: &str) {
        self.report_problem(problem);
        // Every site problem but a damaged pasted code gets "Check again" (an outage passes; a
        // fixed configuration is picked up) and, when the policy is known, its support link.
        let transient = problem.code != Code::SupportCodeInvalid;
        let support = match &self.state.borrow().policy {
            PolicyState::Ready(compiled) => compiled.policy.links.support.clone(),
            _ => None,
        };
        let listeners = match &self.view {
            Some(view) => {
                let weak = Rc::downgrade(self);
                let retry: Rc<dyn Fn()> = Rc::new(move || {
                    if let Some(element) = weak.upgrade() {
                        Element::spawn_refresh(&element);
                    }
                });
                let code = problem_support_code(problem, lang, self.attribute("tier"));
                view.problem(problem.code, lang, transient.then_some(retry), support.as_deref(), code.as_deref())
            }
            None => Vec::new(),
        };
        let waiting = {
            let mut state = self.state.borrow_mut();
            state.report = None;
            state.timer = None;
            state.listeners = listeners;
            state.last_decision = None;
            std::mem::take(&mut state.waiting)
        };
        let error: JsValue =
            js_sys::Error::new(&format!("access-check: {} ({})", problem.message, problem.code)).into();
        for (_, reject) in waiting {
            let _ = reject.call1(&JsValue::NULL, &error);
        }
    }

    /// `access-check:error` and one console message per distinct problem.
    fn report_problem(&self, problem: &Problem) {
        {
            let mut state = self.state.borrow_mut();
            if state.last_problem.as_ref() == Some(problem) {
                return;
            }
            state.last_problem = Some(problem.clone());
        }
        // A damaged pasted support code is the support agent's input, not the integrator's
        // mistake: it gets the event and the on-screen message, not a console error.
        if problem.code != Code::SupportCodeInvalid {
            console_error(&format!(
                "access-check <{}>: {} ({})",
                self.host.tag_name().to_lowercase(),
                problem.message,
                problem.code
            ));
        }
        let detail = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&detail, &"code".into(), &problem.code.as_str().into());
        let _ = js_sys::Reflect::set(&detail, &"message".into(), &problem.message.as_str().into());
        self.dispatch("access-check:error", &detail);
    }

    fn dispatch(&self, name: &str, detail: &JsValue) {
        let init = CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_detail(detail);
        if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
            let _ = self.host.dispatch_event(&event);
        }
    }
}

/// The support code of a site problem: what happened and when, for matching with the site's
/// logs (a damaged pasted code has none: the agent pasted it).
fn problem_support_code(problem: &Problem, lang: &str, tier: Option<String>) -> Option<String> {
    if problem.code == Code::SupportCodeInvalid {
        return None;
    }
    let request = Request { tier, now: clock::now(), lang: lang.to_owned(), ..Request::default() };
    Some(check::site_problem(problem.code, &problem.message, &request).support_code)
}

/// The element, if it still exists and nothing reloaded it since `generation`.
fn current(weak: &Weak<Element>, generation: u32) -> Option<Rc<Element>> {
    weak.upgrade().filter(|element| {
        let state = element.state.borrow();
        state.connected && state.generation == generation
    })
}

/// What `access-check:decision` compares: the tier asked about, and the outcome and reasons of
/// every tier.
fn decision_signature(report: &Report) -> String {
    let tiers: Vec<Json> = report
        .tiers
        .iter()
        .map(|tier| {
            let reasons = tier.reasons.iter().map(crate::core::report::reason_json).collect();
            Json::Array(vec![tier.id.as_str().into(), tier.outcome.as_str().into(), Json::Array(reasons)])
        })
        .collect();
    Json::Array(vec![report.tier.as_str().into(), report.outcome.as_str().into(), Json::Array(tiers)]).to_compact()
}

fn console_error(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(message));
}

fn policy_problem(message: String) -> Problem {
    Problem { code: Code::PolicyInvalid, message }
}

/// The policy from the `policy` attribute: `#id` of a `<script type="application/json">`, or a URL.
async fn load_policy(attribute: Option<String>) -> Result<Policy, Problem> {
    let source = attribute.ok_or_else(|| {
        policy_problem("the policy attribute is missing: set it to the policy's URL or to #id of a <script type=\"application/json\">".into())
    })?;
    let text = if let Some(id) = source.strip_prefix('#') {
        let document = web_sys::window().and_then(|w| w.document());
        let script = document.and_then(|d| d.get_element_by_id(id));
        let script =
            script.ok_or_else(|| policy_problem(format!("policy=\"{source}\": no element with id \"{id}\"")))?;
        let is_json = script.dyn_ref::<web_sys::HtmlScriptElement>().is_some_and(|s| s.type_() == "application/json");
        if !is_json {
            return Err(policy_problem(format!(
                "policy=\"{source}\": the element must be a <script type=\"application/json\">"
            )));
        }
        script.text_content().unwrap_or_default()
    } else {
        fetch::get_with_retry(&source, false, POLICY_TIMEOUT_MS, ATTEMPTS)
            .await
            .map_err(|failure| policy_problem(format!("policy=\"{source}\": {}", failure.message)))?
            .text
    };
    Policy::parse(&text).map_err(|error| policy_problem(format!("the policy is invalid: {error}")))
}

/// Fetches the JWKS of every issuer that has only a `jwks_uri`, once per page. Returns the
/// problem if some could not be had (their tokens then end in `error`, never `granted`).
async fn fetch_keys(policy: &Policy) -> Option<Problem> {
    let mut failures = Vec::new();
    for issuer in &policy.issuers {
        let (None, Some(uri)) = (&issuer.keys, &issuer.jwks_uri) else { continue };
        if JWKS_CACHE.with(|cache| cache.borrow().iter().any(|jwks| jwks.uri == *uri)) {
            continue;
        }
        match fetch::get_with_retry(uri, false, KEYS_TIMEOUT_MS, ATTEMPTS).await {
            Ok(fetched) => {
                JWKS_CACHE.with(|cache| cache.borrow_mut().push(FetchedJwks { uri: uri.clone(), text: fetched.text }))
            }
            Err(failure) => failures.push(failure.message),
        }
    }
    (!failures.is_empty()).then(|| Problem {
        code: Code::KeysUnavailable,
        message: format!("issuer keys could not be loaded: {}", failures.join("; ")),
    })
}

/// `{"tokens": [..]}` from the attestation endpoint, and the server-minus-device clock offset.
async fn load_endpoint(url: &str) -> Result<(Vec<String>, Option<i64>), String> {
    let fetched = fetch::get_with_retry(url, true, ENDPOINT_TIMEOUT_MS, ATTEMPTS).await.map_err(|f| f.message)?;
    let json = Json::parse(&fetched.text).map_err(|error| format!("the answer is not JSON: {error}"))?;
    let Some(Json::Array(items)) = json.get("tokens") else {
        return Err("the answer must be {\"tokens\": [...]}".into());
    };
    // Past the evaluation's limit every token is refused anyway (`TOO_MANY_TOKENS`): one more
    // than the limit is kept, so the work stays small whatever the answer holds.
    let limit = crate::core::check::MAX_TOKENS + 1;
    let tokens = items.iter().filter_map(|item| item.as_str().map(str::to_owned)).take(limit).collect();
    let offset = fetched
        .date
        .as_deref()
        .and_then(clock::parse_http_date)
        .and_then(|server| Some(i64::try_from(server).ok()? - i64::try_from(clock::now()).ok()?));
    Ok((tokens, offset))
}

/// Keeps a token the page added, once. Past the evaluation's limit every token is refused
/// anyway (`TOO_MANY_TOKENS`), so one more than the limit is kept and the rest ignored: a page
/// calling `addToken` in a loop costs nothing per call beyond the check. False when nothing
/// changed.
fn remember(state: &mut State, token: String, at: u64) -> bool {
    let tokens = &mut state.added_tokens;
    if token.is_empty() || tokens.len() > crate::core::check::MAX_TOKENS || tokens.contains(&token) {
        return false;
    }
    tokens.push(token);
    state.added_at.push(at);
    true
}
