//! Report → shadow DOM. A mapping only: every sentence comes from the core's explanation or the
//! catalogue's `ui` texts, and every piece of text reaches the page as a text node (no HTML is
//! ever parsed; SECURITY.md rule 17). Untrusted values (issuers, codes) are isolated in `<bdi>`.
//!
//! The status line is one persistent `role="status"` node whose text changes, so screen readers
//! announce each new decision; the rest is rebuilt on every render.

use super::owned::Listener;
use crate::core::codes::{Action, Code};
use crate::core::explain::{record, Catalogue};
use crate::core::report::{Report, TierReport};
use crate::core::support;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleSheet, Document, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

const STYLE: &str = include_str!("style.css");

thread_local! {
    /// One constructable stylesheet adopted by every element (no inline styles: rule 20).
    static SHEET: Option<CssStyleSheet> = CssStyleSheet::new().ok().filter(|sheet| sheet.replace_sync(STYLE).is_ok());
}

/// How to lay a report out.
#[derive(Default, Clone, Copy)]
pub struct Options {
    /// One line and the remedies, for a model-picker sidebar.
    pub compact: bool,
    /// Every tier, when the element was not asked about one.
    pub per_tier: bool,
    /// The tokens that ran out cannot be renewed from here: the remedy is reloading the page.
    pub reload_instead: bool,
    /// Remedy links that lead away and back (the identity check returns with its token in the
    /// URL fragment) open in this tab.
    pub same_tab_verification: bool,
    /// "Check again" brought the same decision: say so, since nothing else changes.
    pub unchanged: bool,
    /// A replay's reader (the support agent) reads the page's language; what the user saw
    /// stays in the user's.
    pub agent_lang: Option<&'static str>,
}

pub struct View {
    document: Document,
    container: Element,
    heading: Element,
    status: Element,
    body: Element,
}

/// What survives a re-render: the focused control and the open disclosure.
struct Kept {
    focused_part: Option<String>,
    support_open: bool,
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
        // A heading for screen-reader users who move by headings; the status line is what
        // everyone else reads first.
        let heading = document.create_element("h2")?;
        heading.set_attribute("class", "visually-hidden")?;
        // Not a landmark (a page may hold many widgets, and landmarks must be unique).
        container.append_child(&heading)?;
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
        Ok(View { document, container, heading, status, body })
    }

    fn language(&self, lang: &str) -> &'static Catalogue {
        let catalogue = Catalogue::negotiate(lang);
        for element in [&self.container, &self.status] {
            let _ = element.set_attribute("lang", catalogue.lang());
            let _ = element.set_attribute("dir", catalogue.direction());
        }
        set_text(&self.heading, &catalogue.ui("heading"));
        catalogue
    }

    /// The live region, written only when its words change: a re-render for a theme or a
    /// "Check again" that changed nothing must not be announced again.
    fn announce(&self, text: &str) {
        set_text(&self.status, text);
    }

    /// The decision's live region: the headline, then what is available instead (hidden on
    /// screen when `listed` below). Written only when its words change.
    fn announce_decision(&self, headline: &str, available: Option<&str>, listed: bool) {
        let full = match available {
            Some(available) => format!("{headline} {available}"),
            None => headline.to_owned(),
        };
        if self.status.text_content().as_deref() == Some(full.as_str()) {
            return;
        }
        self.status.set_text_content(Some(headline));
        if let Some(available) = available {
            let class = if listed { "visually-hidden" } else { "available" };
            if let Some(span) = self.element("span", class, Some(&format!(" {available}"))) {
                let _ = self.status.append_child(&span);
            }
        }
    }

    /// Notes what has focus and which disclosure is open, before the body is rebuilt.
    fn keep(&self) -> Kept {
        let shadow = self.container.get_root_node().dyn_into::<ShadowRoot>().ok();
        let focused_part = shadow.and_then(|shadow| shadow.active_element()).and_then(|el| el.get_attribute("part"));
        let support_open = self
            .body
            .query_selector("details.support")
            .ok()
            .flatten()
            .is_some_and(|details| details.has_attribute("open"));
        Kept { focused_part, support_open }
    }

    /// Puts focus back on the control that had it and reopens the disclosure.
    fn restore(&self, kept: &Kept) {
        if kept.support_open {
            if let Ok(Some(details)) = self.body.query_selector("details.support") {
                let _ = details.set_attribute("open", "");
            }
        }
        let Some(part) = &kept.focused_part else { return };
        let selector = format!("[part=\"{}\"]", part.replace('"', ""));
        if let Ok(Some(element)) = self.body.query_selector(&selector) {
            if let Ok(element) = element.dyn_into::<HtmlElement>() {
                let _ = element.focus();
            }
        }
    }

    /// Marks the decision shown as being checked again, without taking it away.
    pub fn busy(&self, lang: &str) {
        let catalogue = Catalogue::negotiate(lang);
        let _ = self.container.set_attribute("aria-busy", "true");
        if let Ok(Some(old)) = self.body.query_selector(".checking-again") {
            old.remove();
        }
        if let Some(note) = self.element("p", "note checking-again", Some(&catalogue.ui("checking_again"))) {
            let _ = note.set_attribute("part", "note");
            let _ = self.body.prepend_with_node_1(&note);
        }
    }

    /// A link that opens in a new tab says so to screen readers.
    fn new_tab_link(&self, text: &str, url: &str, catalogue: &Catalogue) -> Option<Element> {
        let link = self.element("a", "remedy", Some(text))?;
        let _ = link.set_attribute("part", "remedy link");
        let _ = link.set_attribute("href", url);
        let _ = link.set_attribute("rel", "noopener noreferrer");
        let _ = link.set_attribute("target", "_blank");
        if let Some(hint) = self.element("span", "visually-hidden", Some(&format!(" {}", catalogue.ui("new_tab")))) {
            let _ = link.append_child(&hint);
        }
        Some(link)
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
        let _ = self.container.remove_attribute("aria-busy");
        self.announce(&catalogue.ui("checking"));
        self.clear_body();
    }

    /// The site-problem state: never a grant, worded as an outage the user can wait out. With
    /// `retry`, a "Check again" button, whose listener is returned; with `support`, the site's
    /// support link; with `support_code`, the code that tells support what happened and when.
    pub fn problem(
        &self,
        code: Code,
        lang: &str,
        retry: Option<Rc<dyn Fn()>>,
        support: Option<&str>,
        support_code: Option<&str>,
    ) -> Vec<Listener> {
        let kept = self.keep();
        let catalogue = self.language(lang);
        self.container.set_class_name("container error");
        let _ = self.container.remove_attribute("aria-busy");
        let _ = self.container.set_attribute("data-outcome", "error");
        let reason = catalogue.reason(code.as_str()).unwrap_or_default();
        let headline =
            catalogue.headline("error").unwrap_or_default().replace("{tier}", &catalogue.value("generic", "tier"));
        // Said together: the headline alone would not tell a screen-reader user what happened.
        self.announce(&format!("{headline} {reason}"));
        self.clear_body();
        self.reasons(&[reason], catalogue);
        let mut listeners = Vec::new();
        if let Some(retry) = retry {
            if let Some(button) = self.button(&catalogue.ui("retry"), "retry") {
                listeners.push(Listener::new(&button, "click", move |_| retry()));
                let _ = self.body.append_child(&button);
            }
        }
        if let Some(url) = support {
            if let Some(link) = self.new_tab_link(&catalogue.ui("problem_support"), url, catalogue) {
                if let Some(paragraph) = self.element("p", "", None) {
                    let _ = paragraph.append_child(&link);
                    let _ = self.body.append_child(&paragraph);
                }
            }
        }
        if let Some(code) = support_code {
            self.code_disclosure(code, None, &[], catalogue, &mut listeners);
        }
        self.restore(&kept);
        listeners
    }

    /// A pasted support code that cannot be replayed, explained to the agent who pasted it:
    /// `Ok(())` for an empty one, `Err(detail)` for a damaged one.
    pub fn code_problem(&self, lang: &str, problem: Result<(), String>) {
        let catalogue = self.language(lang);
        self.container.set_class_name("container error");
        let _ = self.container.set_attribute("data-outcome", "error");
        let _ = self.container.remove_attribute("aria-busy");
        let text = match problem {
            Ok(()) => catalogue.ui("code_empty"),
            Err(detail) => {
                // The detail is the decoder's sentence (ASCII English); it may start the text.
                let mut detail = detail;
                if let Some(first) = detail.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                catalogue.ui("code_damaged").replace("{detail}", &detail)
            }
        };
        self.announce(&text);
        self.clear_body();
    }

    /// Shows a report. Returns the listeners of its buttons, which the element owns.
    pub fn show(&self, report: &Report, options: &Options, retry: Rc<dyn Fn()>) -> Vec<Listener> {
        let kept = self.keep();
        let catalogue = self.language(&report.explanation.lang);
        let mut listeners = Vec::new();
        let outcome = report.outcome.as_str();
        let layout = if options.compact { "compact" } else { "full" };
        self.container.set_class_name(&format!("container {outcome} {layout}"));
        let _ = self.container.set_attribute("data-outcome", outcome);
        let _ = self.container.remove_attribute("aria-busy");
        // What is available is said in the live region; on screen the other tiers' list below
        // says it already, so there it is for screen readers only.
        let available = available_text(report, catalogue);
        let listed = options.per_tier && report.replay.is_none();
        self.announce_decision(&report.explanation.headline, available.as_deref(), listed);
        self.clear_body();
        if report.replay.is_some() {
            let agent = self.language(options.agent_lang.unwrap_or(catalogue.lang()));
            // The live region says the user's headline: in their language.
            let _ = self.status.set_attribute("lang", catalogue.lang());
            let _ = self.status.set_attribute("dir", catalogue.direction());
            self.replay_view(report, catalogue, agent);
            return listeners;
        }
        if options.unchanged {
            if let Some(note) = self.element("p", "note", Some(&catalogue.ui("unchanged"))) {
                let _ = note.set_attribute("part", "note unchanged");
                let _ = self.body.append_child(&note);
            }
        }
        match report.tier(&report.tier) {
            Some(tier) => self.tier_details(tier, catalogue, options, &retry, &mut listeners),
            None => self.reasons(&report.explanation.items, catalogue),
        }
        if options.per_tier {
            let others: Vec<&TierReport> = report.tiers.iter().filter(|tier| tier.id != report.tier).collect();
            if !others.is_empty() {
                self.other_tiers(&others, catalogue);
            }
        }
        if !options.compact || report.outcome.as_str() != "granted" {
            let record = support::decode(&report.support_code).ok();
            let facts = record.as_ref().map(|record| record::facts(record, catalogue.lang())).unwrap_or_default();
            // The short reference a user can read out on the phone, searchable in the audit trail.
            let reference = record.and_then(|record| record.subject_hash).map(|hash| record::reference(&hash));
            self.code_disclosure(&report.support_code, reference.as_deref(), &facts, catalogue, &mut listeners);
        }
        self.restore(&kept);
        listeners
    }

    /// A labelled list of sentences.
    fn reasons(&self, items: &[String], catalogue: &Catalogue) {
        let Some(list) = self.element("ul", "reasons", None) else { return };
        let _ = list.set_attribute("part", "reasons");
        let _ = list.set_attribute("aria-label", &catalogue.ui("reasons_label"));
        for item in items {
            if let Some(entry) = self.element("li", "", Some(item)) {
                let _ = list.append_child(&entry);
            }
        }
        if !items.is_empty() {
            let _ = self.body.append_child(&list);
        }
    }

    /// Reasons (without the first when it says what the headline says), notices, then
    /// remedies: links for the policy's links, one button for everything a fresh check can fix
    /// ("Check again"), or "Reload the page" when the tokens cannot be renewed from here.
    fn tier_details(
        &self,
        tier: &TierReport,
        catalogue: &Catalogue,
        options: &Options,
        retry: &Rc<dyn Fn()>,
        listeners: &mut Vec<Listener>,
    ) {
        let explanation = &tier.explanation;
        // The compact layout keeps the reason that matters most (the first).
        let shown =
            if options.compact { explanation.items.get(..1).unwrap_or_default() } else { &explanation.items[..] };
        self.reasons(shown, catalogue);
        for notice in &explanation.notices {
            // Notices are about the device clock: it does not change this decision.
            let notice = format!("{notice} {}", catalogue.ui("notice_clock"));
            if let Some(paragraph) = self.element("p", "notice", Some(&notice)) {
                let _ = paragraph.set_attribute("part", "notice");
                let _ = self.body.append_child(&paragraph);
            }
        }
        let Some(list) = self.element("ul", "remedies", None) else { return };
        let _ = list.set_attribute("part", "remedies");
        let _ = list.set_attribute("aria-label", &catalogue.ui("remedies_label"));
        let mut retryable = false;
        for (remedy, sentence) in tier.remedies.iter().zip(&explanation.remedies) {
            // When only reloading can renew the checks, its sentence replaces the ones that
            // lead to "Check again" for them.
            if options.reload_instead && matches!(remedy.action, Action::Retry | Action::RefreshLocation) {
                continue;
            }
            let Some(item) = self.element("li", "", None) else { continue };
            match &remedy.url {
                Some(url) if remedy.action == Action::VerifyIdentity && options.same_tab_verification => {
                    if let Some(link) = self.element("a", "remedy", Some(sentence)) {
                        let _ = link.set_attribute("part", "remedy link");
                        let _ = link.set_attribute("href", &with_return(url));
                        let _ = item.append_child(&link);
                    }
                }
                Some(url) => {
                    if let Some(link) = self.new_tab_link(sentence, url, catalogue) {
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
        if options.reload_instead {
            if let Some(item) = self.element("li", "", Some(&catalogue.ui("reload_needed"))) {
                let _ = list.append_child(&item);
            }
        }
        if list.child_element_count() > 0 {
            let _ = self.body.append_child(&list);
        }
        if options.reload_instead {
            if let Some(button) = self.button(&catalogue.ui("reload"), "reload") {
                listeners.push(Listener::new(&button, "click", |_| {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                }));
                let _ = self.body.append_child(&button);
            }
        } else if retryable {
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

    /// A subheading of the replay view.
    fn subheading(&self, text: &str) {
        if let Some(heading) = self.element("h3", "subheading", Some(text)) {
            let _ = heading.set_attribute("part", "subheading");
            let _ = self.body.append_child(&heading);
        }
    }

    fn note(&self, text: &str) {
        if let Some(note) = self.element("p", "note", Some(text)) {
            let _ = note.set_attribute("part", "note");
            let _ = self.body.append_child(&note);
        }
    }

    /// One tier as text only (a replay is read-only: no buttons, no links to follow).
    /// One tier's sentences, as a read-only block in `user`'s language; `agent` labels it.
    fn tier_text(&self, tier: &TierReport, user: &Catalogue, agent: &Catalogue) {
        let Some(item) = self.element("div", &format!("tier {}", tier.outcome.as_str()), None) else { return };
        let _ = item.set_attribute("lang", user.lang());
        let _ = item.set_attribute("dir", user.direction());
        let _ = item.set_attribute("data-tier", &tier.id);
        let _ = item.set_attribute("data-outcome", tier.outcome.as_str());
        if let Some(headline) = self.element("p", "tier-headline", Some(&tier.explanation.headline)) {
            let _ = item.append_child(&headline);
        }
        for (class, sentences) in [("reasons", &tier.explanation.items), ("remedies", &tier.explanation.remedies)] {
            if sentences.is_empty() {
                continue;
            }
            if let Some(list) = self.element("ul", class, None) {
                let _ = list.set_attribute("part", class);
                let _ = list.set_attribute("aria-label", &agent.ui(&format!("{class}_label")));
                for sentence in sentences {
                    if let Some(entry) = self.element("li", "", Some(sentence)) {
                        let _ = list.append_child(&entry);
                    }
                }
                let _ = item.append_child(&list);
            }
        }
        let _ = self.body.append_child(&item);
    }

    /// A support code's replay, for the support agent, read-only: what the user saw (as their
    /// browser reported it) first, then the decision under today's rules and what changed,
    /// then the code's facts in words. The code shown is the one pasted, never a new one. The
    /// user's sentences are in `user`'s language (theirs); everything said to the agent is in
    /// `agent`'s (the page's).
    fn replay_view(&self, report: &Report, user: &Catalogue, agent: &Catalogue) {
        let Some(replay) = &report.replay else { return };
        self.note(&agent.ui("replay_read_only"));
        self.subheading(&agent.ui("replay_saw"));
        for tier in &replay.reported {
            self.tier_text(tier, user, agent);
        }
        // Under today's rules, unless they say word for word what the user saw.
        let same = report.tiers.len() == replay.reported.len()
            && report.tiers.iter().all(|tier| {
                replay.reported.iter().any(|reported| {
                    reported.id == tier.id
                        && reported.outcome == tier.outcome
                        && reported.explanation.items == tier.explanation.items
                })
            });
        if replay.rederived && same && !replay.policy_changed {
            self.note(&agent.ui("replay_same"));
        } else if replay.rederived {
            self.subheading(&agent.ui("replay_today"));
            for tier in &report.tiers {
                self.tier_text(tier, user, agent);
            }
            let mut changes = Vec::new();
            if replay.policy_changed {
                changes.push(
                    agent
                        .ui("replay_rules_changed")
                        .replace("{then}", &replay.recorded_policy_version)
                        .replace("{now}", report.policy_version.as_deref().unwrap_or("?")),
                );
            }
            for tier in &report.tiers {
                let Some(before) = replay.reported.iter().find(|reported| reported.id == tier.id) else { continue };
                if before.outcome != tier.outcome {
                    changes.push(
                        agent
                            .ui("replay_tier_changed")
                            .replace("{tier}", &tier.label)
                            .replace("{before}", &before.explanation.headline)
                            .replace("{after}", &tier.explanation.headline),
                    );
                }
            }
            if changes.len() <= usize::from(replay.policy_changed) {
                changes.push(agent.ui("replay_same"));
            }
            for change in changes {
                self.note(&change);
            }
        } else {
            self.note(&agent.ui("replay_not_rederived"));
        }
        let Ok(record) = support::decode(&report.support_code) else { return };
        if let Some(list) = self.facts_list(&record::facts(&record, agent.lang()), agent) {
            let _ = list.set_attribute("part", "facts");
            let _ = self.body.append_child(&list);
        }
    }

    /// What a support code holds, a line each, each in its own isolate so a version or a date
    /// keeps its order in a right-to-left page.
    fn facts_list(&self, facts: &[String], catalogue: &Catalogue) -> Option<Element> {
        let list = self.element("ul", "facts", None)?;
        let _ = list.set_attribute("aria-label", &catalogue.ui("support_code"));
        for fact in facts {
            if let Some(item) = self.element("li", "", None) {
                if let Some(value) = self.element("bdi", "", Some(fact)) {
                    let _ = item.append_child(&value);
                }
                let _ = list.append_child(&item);
            }
        }
        Some(list)
    }

    /// The support code behind a disclosure: first what it holds, then the code and a copy
    /// button, so the user sees what they are about to hand over.
    fn code_disclosure(
        &self,
        code: &str,
        reference: Option<&str>,
        facts: &[String],
        catalogue: &Catalogue,
        listeners: &mut Vec<Listener>,
    ) {
        let Some(details) = self.element("details", "support", None) else { return };
        let _ = details.set_attribute("part", "support");
        let summary = match reference {
            // Isolated, so a right-to-left page keeps "7F3A-91C2" in its order.
            Some(reference) => {
                format!(
                    "{} · {} \u{2068}{reference}\u{2069}",
                    catalogue.ui("support_code"),
                    catalogue.ui("problem_code")
                )
            }
            None => catalogue.ui("support_code"),
        };
        if let Some(summary) = self.element("summary", "", Some(&summary)) {
            let _ = summary.set_attribute("part", "support-summary");
            let _ = details.append_child(&summary);
        }
        if !facts.is_empty() {
            if let Some(intro) = self.element("p", "", Some(&catalogue.ui("support_code_holds"))) {
                let _ = details.append_child(&intro);
            }
            if let Some(list) = self.facts_list(facts, catalogue) {
                let _ = details.append_child(&list);
            }
            if let Some(never) = self.element("p", "", Some(&catalogue.ui("support_code_never"))) {
                let _ = details.append_child(&never);
            }
        }
        if let Some(element) = self.element("code", "code", Some(code)) {
            let _ = element.set_attribute("part", "code");
            let _ = details.append_child(&element);
        }
        let status = self.element("span", "copy-status", None);
        if let (Some(button), Some(status)) = (self.button(&catalogue.ui("copy"), "copy"), status) {
            let _ = status.set_attribute("role", "status");
            let code = code.to_owned();
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

/// What the live region says: the headline and, when the user cannot use the tier asked
/// about, which models they can use ("You can use Standard models."), so a screen-reader user
/// hears it too.
fn available_text(report: &Report, catalogue: &Catalogue) -> Option<String> {
    if report.outcome.as_str() == "granted" {
        return None;
    }
    let available: Vec<&str> = report
        .tiers
        .iter()
        .filter(|tier| tier.id != report.tier && tier.outcome.as_str() == "granted")
        .map(|tier| tier.label.as_str())
        .collect();
    if available.is_empty() {
        return None;
    }
    Some(catalogue.ui("available_instead").replace("{tiers}", &catalogue.list(&available)))
}

/// Sets an element's text only when it differs, so an unchanged live region stays silent.
fn set_text(element: &Element, text: &str) {
    if element.text_content().as_deref() != Some(text) {
        element.set_text_content(Some(text));
    }
}

/// The verification link with where to come back to: the page itself, without its fragment
/// (the identity provider returns the token in the fragment, which the element reads). The
/// page's query stays, so the user comes back to the same state; the provider is the one the
/// site's policy names. `return` goes before the link's own fragment, if it has one.
fn with_return(url: &str) -> String {
    let Some(here) = web_sys::window().and_then(|window| window.location().href().ok()) else {
        return url.to_owned();
    };
    let here = here.split('#').next().unwrap_or(&here).to_owned();
    let encoded: String = js_sys::encode_uri_component(&here).into();
    let (address, fragment) = match url.split_once('#') {
        Some((address, fragment)) => (address, Some(fragment)),
        None => (url, None),
    };
    let separator = if address.contains('?') { '&' } else { '?' };
    match fragment {
        Some(fragment) => format!("{address}{separator}return={encoded}#{fragment}"),
        None => format!("{address}{separator}return={encoded}"),
    }
}
