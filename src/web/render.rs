//! Report → shadow DOM. A mapping only: every sentence comes from the core's explanation or the
//! catalogue's `ui` texts, and every piece of text reaches the page as a text node (no HTML is
//! ever parsed; SECURITY.md rule 17). Untrusted values (issuers, codes) are isolated in `<bdi>`.
//!
//! The status line is one persistent `role="status"` node whose text changes, so screen readers
//! announce each new decision; the rest is rebuilt on every render.

use super::owned::Listener;
use crate::core::codes::{Action, Code};
use crate::core::explain::{Catalogue, Explanation};
use crate::core::report::{Report, TierReport};
use crate::core::{support, time};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Document, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

const STYLE: &str = include_str!("style.css");

thread_local! {
    /// One constructable stylesheet adopted by every element (no inline styles: rule 20).
    static SHEET: Option<CssStyleSheet> = CssStyleSheet::new().ok().filter(|sheet| sheet.replace_sync(STYLE).is_ok());
}

/// How to lay a report out.
pub struct Options {
    /// One line and the remedies, for a model-picker sidebar.
    pub compact: bool,
    /// Every tier, when the element was not asked about one.
    pub per_tier: bool,
}

pub struct View {
    document: Document,
    container: Element,
    status: Element,
    body: Element,
}

impl View {
    pub fn new(host: &HtmlElement) -> Result<View, JsValue> {
        let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))?;
        let shadow: ShadowRoot = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?;
        SHEET.with(|sheet| {
            if let Some(sheet) = sheet {
                shadow.set_adopted_style_sheets(&js_sys::Array::of1(sheet));
            }
        });
        let container = document.create_element("section")?;
        container.set_attribute("part", "container")?;
        container.set_class_name("container pending");
        let status = document.create_element("p")?;
        status.set_attribute("part", "status headline")?;
        status.set_attribute("class", "headline")?;
        status.set_attribute("role", "status")?;
        status.set_attribute("aria-live", "polite")?;
        status.set_attribute("aria-atomic", "true")?;
        let body = document.create_element("div")?;
        body.set_attribute("class", "body")?;
        container.append_child(&status)?;
        container.append_child(&body)?;
        shadow.append_child(&container)?;
        Ok(View { document, container, status, body })
    }

    fn language(&self, lang: &str) -> &'static Catalogue {
        let catalogue = Catalogue::negotiate(lang);
        let _ = self.container.set_attribute("lang", catalogue.lang());
        let _ = self.container.set_attribute("dir", catalogue.direction());
        catalogue
    }

    fn element(&self, tag: &str, class: &str, text: Option<&str>) -> Option<Element> {
        let element = self.document.create_element(tag).ok()?;
        if !class.is_empty() {
            element.set_class_name(class);
        }
        if let Some(text) = text {
            element.set_text_content(Some(text));
        }
        Some(element)
    }

    fn clear_body(&self) {
        self.body.set_text_content(None);
    }

    /// Before the first decision: the reserved space says what is happening.
    pub fn checking(&self, lang: &str) {
        let catalogue = self.language(lang);
        self.container.set_class_name("container pending");
        self.status.set_text_content(Some(&catalogue.ui("checking")));
        self.clear_body();
    }

    /// The site-problem state: never a grant, and nothing the user can fix but to tell support.
    /// Shows a site problem; with `retry`, a "Check again" button, whose listener is returned;
    /// with `support`, the site's support link.
    pub fn problem(&self, code: Code, lang: &str, retry: Option<Rc<dyn Fn()>>, support: Option<&str>) -> Vec<Listener> {
        let catalogue = self.language(lang);
        self.container.set_class_name("container error");
        self.status.set_text_content(Some(
            &catalogue.headline("error").unwrap_or_default().replace("{tier}", &catalogue.value("generic", "tier")),
        ));
        self.clear_body();
        let reason = catalogue.reason(code.as_str()).unwrap_or_default();
        if let Some(list) = self.element("ul", "reasons", None) {
            let _ = list.set_attribute("part", "reasons");
            if let Some(item) = self.element("li", "", Some(&reason)) {
                let _ = list.append_child(&item);
            }
            let _ = self.body.append_child(&list);
        }
        if let Some(url) = support {
            if let Some(link) = self.element("a", "remedy", Some(&catalogue.ui("problem_support"))) {
                let _ = link.set_attribute("part", "remedy link");
                let _ = link.set_attribute("href", url);
                let _ = link.set_attribute("rel", "noopener noreferrer");
                let _ = link.set_attribute("target", "_blank");
                if let Some(paragraph) = self.element("p", "", None) {
                    let _ = paragraph.append_child(&link);
                    let _ = self.body.append_child(&paragraph);
                }
            }
        }
        let mut listeners = Vec::new();
        if let Some(retry) = retry {
            if let Some(button) = self.button(&catalogue.ui("retry"), "retry") {
                listeners.push(Listener::new(&button, "click", move |_| retry()));
                let _ = self.body.append_child(&button);
            }
        }
        listeners
    }

    /// Shows a report. Returns the listeners of its buttons, which the element owns.
    pub fn show(&self, report: &Report, options: &Options, retry: Rc<dyn Fn()>) -> Vec<Listener> {
        let catalogue = self.language(&report.explanation.lang);
        let mut listeners = Vec::new();
        let outcome = report.outcome.as_str();
        let layout = if options.compact { "compact" } else { "full" };
        self.container.set_class_name(&format!("container {outcome} {layout}"));
        let _ = self.container.set_attribute("data-outcome", outcome);
        self.status.set_text_content(Some(&report.explanation.headline));
        self.clear_body();
        let requested = report.tier(&report.tier);
        match requested {
            Some(tier) => {
                self.tier_details(tier, &tier.explanation, catalogue, options.compact, &retry, &mut listeners)
            }
            None => self.explanation_only(&report.explanation),
        }
        if options.per_tier {
            let others: Vec<&TierReport> = report.tiers.iter().filter(|tier| tier.id != report.tier).collect();
            if !others.is_empty() {
                self.other_tiers(&others, catalogue);
            }
        }
        if report.replay.is_some() {
            self.replay_note(report, catalogue);
        }
        if !options.compact || report.outcome.as_str() != "granted" {
            self.support_section(report, catalogue, &mut listeners);
        }
        listeners
    }

    fn explanation_only(&self, explanation: &Explanation) {
        self.reasons(&explanation.items);
    }

    fn reasons(&self, items: &[String]) {
        let Some(list) = self.element("ul", "reasons", None) else { return };
        let _ = list.set_attribute("part", "reasons");
        for item in items {
            if let Some(entry) = self.element("li", "", Some(item)) {
                let _ = list.append_child(&entry);
            }
        }
        if !items.is_empty() {
            let _ = self.body.append_child(&list);
        }
    }

    /// Reasons, then remedies: links for the policy's links, one "check again" button for
    /// everything that a fresh check can fix.
    fn tier_details(
        &self,
        tier: &TierReport,
        explanation: &Explanation,
        catalogue: &Catalogue,
        compact: bool,
        retry: &Rc<dyn Fn()>,
        listeners: &mut Vec<Listener>,
    ) {
        // The compact layout keeps the reason that matters most (the first).
        let shown = if compact { explanation.items.get(..1).unwrap_or_default() } else { &explanation.items[..] };
        self.reasons(shown);
        let Some(list) = self.element("ul", "remedies", None) else { return };
        let _ = list.set_attribute("part", "remedies");
        let mut retryable = false;
        for (remedy, sentence) in tier.remedies.iter().zip(&explanation.remedies) {
            let Some(item) = self.element("li", "", None) else { continue };
            match &remedy.url {
                Some(url) => {
                    if let Some(link) = self.element("a", "remedy", Some(sentence)) {
                        let _ = link.set_attribute("part", "remedy link");
                        let _ = link.set_attribute("href", url);
                        let _ = link.set_attribute("rel", "noopener noreferrer");
                        let _ = link.set_attribute("target", "_blank");
                        let _ = item.append_child(&link);
                    }
                }
                None => item.set_text_content(Some(sentence)),
            }
            retryable |= matches!(
                remedy.action,
                Action::Retry | Action::RefreshLocation | Action::DisableAnonymizer | Action::FixClock
            );
            let _ = list.append_child(&item);
        }
        if !tier.remedies.is_empty() {
            let _ = self.body.append_child(&list);
        }
        if retryable {
            if let Some(button) = self.button(&catalogue.ui("retry"), "retry") {
                let retry = retry.clone();
                listeners.push(Listener::new(&button, "click", move |_| retry()));
                let _ = self.body.append_child(&button);
            }
        }
    }

    fn button(&self, label: &str, part: &str) -> Option<Element> {
        let button = self.element("button", part, Some(label))?;
        button.set_attribute("type", "button").ok()?;
        button.set_attribute("part", &format!("button {part}")).ok()?;
        Some(button)
    }

    /// The other tiers, one line each: label and headline.
    fn other_tiers(&self, tiers: &[&TierReport], catalogue: &Catalogue) {
        let Some(list) = self.element("ul", "tiers", None) else { return };
        let _ = list.set_attribute("part", "tiers");
        let _ = list.set_attribute("aria-label", &catalogue.ui("other_tiers"));
        for tier in tiers {
            let Some(item) = self.element("li", &format!("tier {}", tier.outcome.as_str()), None) else { continue };
            let _ = item.set_attribute("data-tier", &tier.id);
            let _ = item.set_attribute("data-outcome", tier.outcome.as_str());
            if let Some(headline) = self.element("span", "", Some(&tier.explanation.headline)) {
                let _ = item.append_child(&headline);
            }
            let _ = list.append_child(&item);
        }
        let _ = self.body.append_child(&list);
    }

    /// What a replay shows, in words: a support code is what the user's browser reported, and
    /// the decision shown is re-derived under this site's rules, or the reported one when there
    /// were none to check it with. When the rules changed, what was reported is listed too.
    fn replay_note(&self, report: &Report, catalogue: &Catalogue) {
        let Some(replay) = &report.replay else { return };
        let mut texts = vec![catalogue.ui("replayed")];
        if replay.policy_changed {
            texts.push(catalogue.ui("policy_changed"));
        } else if !replay.rederived {
            texts.push(catalogue.ui("not_rederived"));
        }
        for text in texts {
            if let Some(note) = self.element("p", "note", Some(&text)) {
                let _ = note.set_attribute("part", "note");
                let _ = self.body.append_child(&note);
            }
        }
        if !replay.policy_changed {
            return;
        }
        let Some(list) = self.element("ul", "tiers reported", None) else { return };
        let _ = list.set_attribute("part", "tiers");
        let _ = list.set_attribute("aria-label", &catalogue.ui("reported_heading"));
        if let Some(heading) = self.element("p", "note", Some(&catalogue.ui("reported_heading"))) {
            let _ = heading.set_attribute("part", "note");
            let _ = self.body.append_child(&heading);
        }
        for tier in &replay.reported {
            if let Some(item) = self.element("li", "", Some(&tier.explanation.headline)) {
                let _ = item.set_attribute("data-tier", &tier.id);
                let _ = item.set_attribute("data-outcome", tier.outcome.as_str());
                let _ = list.append_child(&item);
            }
        }
        let _ = self.body.append_child(&list);
    }

    /// The support code behind a disclosure: first what it holds, then the code and a copy
    /// button, so the user sees what they are about to hand over.
    fn support_section(&self, report: &Report, catalogue: &Catalogue, listeners: &mut Vec<Listener>) {
        let Some(details) = self.element("details", "support", None) else { return };
        let _ = details.set_attribute("part", "support");
        if let Some(summary) = self.element("summary", "", Some(&catalogue.ui("support_code"))) {
            let _ = details.append_child(&summary);
        }
        if let Some(intro) = self.element("p", "", Some(&catalogue.ui("support_code_holds"))) {
            let _ = details.append_child(&intro);
        }
        if let Some(list) = self.element("ul", "facts", None) {
            for fact in facts(report, catalogue) {
                if let Some(item) = self.element("li", "", None) {
                    if let Some(value) = self.element("bdi", "", Some(&fact)) {
                        let _ = item.append_child(&value);
                    }
                    let _ = list.append_child(&item);
                }
            }
            let _ = details.append_child(&list);
        }
        if let Some(code) = self.element("code", "code", Some(&report.support_code)) {
            let _ = code.set_attribute("part", "code");
            let _ = details.append_child(&code);
        }
        let status = self.element("span", "copy-status", None);
        if let (Some(button), Some(status)) = (self.button(&catalogue.ui("copy"), "copy"), status) {
            let _ = status.set_attribute("role", "status");
            let code = report.support_code.clone();
            let copied = catalogue.ui("copied");
            let failed = catalogue.ui("copy_failed");
            let status_node = status.clone();
            listeners.push(Listener::new(&button, "click", move |_| {
                copy(&code, status_node.clone(), copied.clone(), failed.clone());
            }));
            let _ = details.append_child(&button);
            let _ = details.append_child(&status);
        }
        let _ = self.body.append_child(&details);
    }
}

/// Copies to the clipboard and says whether it worked.
fn copy(text: &str, status: Element, copied: String, failed: String) {
    let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
    let Some(clipboard) = clipboard else {
        status.set_text_content(Some(&failed));
        return;
    };
    let promise = clipboard.write_text(text);
    wasm_bindgen_futures::spawn_local(async move {
        let done = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
        status.set_text_content(Some(if done { &copied } else { &failed }));
    });
}

/// What a support code holds, line by line, from the code itself; should it not decode, from
/// the report it was made with (the same tokens, clock and outcomes), so the user still sees
/// what they would hand over.
fn facts(report: &Report, catalogue: &Catalogue) -> Vec<String> {
    let Ok(record) = support::decode(&report.support_code) else { return report_facts(report, catalogue) };
    let mut lines = vec![
        format!(
            "{}: {} · {}: {}",
            catalogue.ui("fact_widget"),
            record.widget_version,
            catalogue.ui("fact_policy"),
            record.policy_version
        ),
        format!("{}: {}", catalogue.ui("fact_time"), time::iso8601(record.now)),
    ];
    for token in &record.tokens {
        let kind = token.summary.kind.map_or_else(|| "?".to_owned(), |kind| catalogue.value("kind", kind.as_str()));
        let status = token.code.map_or("accepted", Code::as_str);
        lines.push(format!("{kind} · {} · {status}", token.summary.iss.as_deref().unwrap_or("?")));
    }
    if let Ok(identity) = &record.evidence.identity {
        lines.push(format!(
            "{}: {} · IAL {} · {}",
            catalogue.value("kind", "identity"),
            identity.us_person.as_str(),
            identity.ial,
            time::iso_date(support::proofing_day(identity))
        ));
    }
    if let Ok(location) = &record.evidence.location {
        let region = location.region.as_ref().map(|r| format!(" {}", r.as_str())).unwrap_or_default();
        lines.push(format!(
            "{}: {}{region} · {}",
            catalogue.value("kind", "location"),
            location.country,
            location.anonymizer.as_str()
        ));
    }
    if let Ok(organization) = &record.evidence.organization {
        let authorizations: Vec<String> =
            organization.authorizations.iter().map(|a| format!("{} ({})", a.kind, a.tiers.join(", "))).collect();
        lines.push(format!(
            "{}: {} · restricted_party={} · {}",
            catalogue.value("kind", "organization"),
            organization.entity.as_str(),
            organization.restricted_party,
            authorizations.join("; ")
        ));
    }
    lines.push(catalogue.ui("support_code_never"));
    lines
}

/// The support code's facts as the report states them: versions, clock, tokens, outcomes.
fn report_facts(report: &Report, catalogue: &Catalogue) -> Vec<String> {
    let mut lines = vec![
        format!(
            "{}: {} · {}: {}",
            catalogue.ui("fact_widget"),
            crate::core::check::VERSION,
            catalogue.ui("fact_policy"),
            report.policy_version.as_deref().unwrap_or("?")
        ),
        format!("{}: {}", catalogue.ui("fact_time"), time::iso8601(report.clock.now)),
    ];
    for token in &report.tokens {
        let kind = token.summary.kind.map_or_else(|| "?".to_owned(), |kind| catalogue.value("kind", kind.as_str()));
        let status = token.code.map_or("accepted", Code::as_str);
        lines.push(format!("{kind} · {} · {status}", token.summary.iss.as_deref().unwrap_or("?")));
    }
    lines.extend(report.tiers.iter().map(|tier| format!("{}: {}", tier.label, tier.outcome.as_str())));
    lines.push(catalogue.ui("support_code_never"));
    lines
}
