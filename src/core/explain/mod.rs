//! From a tier's decision to plain sentences for an end user (SPEC §5 `explanation`).
//!
//! All wording lives in the catalogues (`catalogue/<lang>.json`, embedded at build time): a
//! headline per outcome, one sentence per reason code and per remedy action, and the words for
//! claim values. A policy's `messages` override any sentence per code or action. Placeholders
//! such as `{tier}` or `{max_age_days}` are filled from the reason's params, as text.

mod catalogue;
pub mod plural;

pub use catalogue::{install as install_catalogue, shipped_languages, Catalogue};

use crate::core::codes::{Action, Code};
use crate::core::policy::evaluate::{Outcome, Param, Reason};
use crate::core::policy::Policy;

/// What a person reads: a headline, one sentence per reason, one per remedy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explanation {
    pub lang: String,
    pub headline: String,
    pub items: Vec<String>,
    pub remedies: Vec<String>,
}

/// The tier facts an explanation is made from.
pub struct TierFacts<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub outcome: Outcome,
    pub reasons: &'a [Reason],
    pub actions: &'a [Action],
}

/// A site's own wording for sentences: a policy's `messages`, or the ones a support code carries.
pub trait Overrides {
    /// The text for `key` (a reason code or remedy action) in `lang`, for `tier` first.
    fn message(&self, lang: &str, tier: &str, key: &str) -> Option<&str>;
}

impl Overrides for Policy {
    fn message(&self, lang: &str, tier: &str, key: &str) -> Option<&str> {
        Policy::message(self, lang, tier, key)
    }
}

/// Explains one tier in the best available language for `lang` (exact tag, then its primary
/// language, then English).
pub fn explain(tier: &TierFacts<'_>, lang: &str, overrides: Option<&dyn Overrides>) -> Explanation {
    let catalogue = Catalogue::negotiate(lang);
    let english = Catalogue::english();
    let fill = |template: &str, reason: Option<&Reason>| fill(template, reason, tier.label, catalogue);
    let sentence = |key: &str, section: fn(&Catalogue, &str) -> Option<String>| -> String {
        overrides
            .and_then(|overrides| overrides.message(catalogue.lang(), tier.id, key))
            .map(str::to_owned)
            .or_else(|| section(catalogue, key))
            .or_else(|| english.and_then(|english| section(english, key)))
            .unwrap_or_else(|| key.to_owned())
    };
    let headline = catalogue
        .headline(tier.outcome.as_str())
        .or_else(|| english.and_then(|english| english.headline(tier.outcome.as_str())))
        .unwrap_or_default();
    Explanation {
        lang: catalogue.lang().to_owned(),
        headline: fill(&headline, None),
        items: tier
            .reasons
            .iter()
            .map(|reason| fill(&sentence(reason.code.as_str(), Catalogue::reason), Some(reason)))
            .collect(),
        remedies: tier.actions.iter().map(|action| fill(&sentence(action.as_str(), Catalogue::remedy), None)).collect(),
    }
}

/// Replaces `{name}` with the reason's param (claim values in the catalogue's words), `{tier}`
/// with the tier's label. An unknown placeholder is left as written, so a typo shows.
///
/// `{fact}` (of `EXCLUDED_FACT`) becomes the catalogue's phrase for that fact, whose own
/// placeholders are filled from the same reason, one level deep.
fn fill(template: &str, reason: Option<&Reason>, tier_label: &str, catalogue: &Catalogue) -> String {
    fill_at(template, reason, tier_label, catalogue, true)
}

fn fill_at(template: &str, reason: Option<&Reason>, tier_label: &str, catalogue: &Catalogue, outer: bool) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, after) = rest.split_at(open);
        out.push_str(before);
        let Some(close) = after.find('}') else {
            out.push_str(after);
            return out;
        };
        let name = after.get(1..close).unwrap_or_default();
        let whole = after.get(..=close).unwrap_or_default();
        match (name, reason.and_then(|reason| reason.param(name))) {
            // Always the label in the reader's language, never the id a reason may carry.
            ("tier", _) => out.push_str(tier_label),
            // The clock's offset in natural units and its direction: "about 3 hours ahead".
            ("skew_amount" | "skew_direction", _) => {
                let Some(Param::Number(skew)) = reason.and_then(|reason| reason.param("skew_seconds")) else {
                    out.push_str(whole);
                    rest = after.get(close + 1..).unwrap_or_default();
                    continue;
                };
                if name == "skew_direction" {
                    out.push_str(&catalogue.value("direction", if *skew > 0 { "ahead" } else { "behind" }));
                } else {
                    let (count, unit) = plural::natural_duration(skew.unsigned_abs());
                    out.push_str(&catalogue.duration(unit, count));
                }
            }
            ("fact", Some(Param::Text(value))) if outer => {
                let phrase = catalogue.fact(value);
                out.push_str(&fill_at(&phrase, reason, tier_label, catalogue, false));
            }
            (_, Some(Param::Text(value))) => out.push_str(&catalogue.value(name, value)),
            (_, Some(Param::Number(value))) => out.push_str(&value.to_string()),
            (_, Some(Param::List(values))) => {
                let words: Vec<String> = values.iter().map(|value| catalogue.value(name, value)).collect();
                out.push_str(&words.join(&catalogue.list_separator()));
            }
            (_, None) => out.push_str(whole),
        }
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The element's own texts (`ui` section of each catalogue).
pub const UI_KEYS: &[&str] = &[
    "checking",
    "retry",
    "problem_support",
    "support_code",
    "support_code_holds",
    "support_code_never",
    "copy",
    "copied",
    "copy_failed",
    "other_tiers",
    "replayed",
    "policy_changed",
    "not_rederived",
    "reported_heading",
    "fact_widget",
    "fact_policy",
    "fact_time",
];

/// The facts an `EXCLUDED_FACT` reason can name (`values.fact.<name>` in each catalogue).
pub const FACTS: &[&str] = &[
    "us_person",
    "ial",
    "recent_verification",
    "citizen_of",
    "not_citizen_of",
    "anonymizer",
    "country",
    "region",
    "entity",
    "authorization",
    "not_restricted_party",
];

/// What a catalogue lacks: reason codes, remedy actions, headlines, `ui` texts.
pub fn missing_texts(catalogue: &Catalogue) -> Vec<String> {
    let codes = Code::ALL.iter().filter(|code| catalogue.reason(code.as_str()).is_none()).map(|c| c.to_string());
    let actions = Action::ALL.iter().filter(|a| catalogue.remedy(a.as_str()).is_none()).map(|a| a.to_string());
    let headlines = Outcome::ALL
        .iter()
        .filter(|outcome| catalogue.headline(outcome.as_str()).is_none())
        .map(|outcome| format!("headline.{}", outcome.as_str()));
    let ui = UI_KEYS.iter().filter(|key| !catalogue.has_ui(key)).map(|key| format!("ui.{key}"));
    let facts = FACTS.iter().filter(|fact| !catalogue.has_fact(fact)).map(|fact| format!("values.fact.{fact}"));
    codes.chain(actions).chain(headlines).chain(ui).chain(facts).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier<'a>(outcome: Outcome, reasons: &'a [Reason], actions: &'a [Action]) -> TierFacts<'a> {
        TierFacts { id: "frontier", label: "Frontier models", outcome, reasons, actions }
    }

    #[test]
    fn every_code_action_and_outcome_has_text_in_every_shipped_language() {
        let languages = shipped_languages();
        assert!(languages.contains(&"en"));
        for lang in languages {
            let catalogue = Catalogue::get(lang).unwrap_or_else(|| panic!("{lang}.json does not parse"));
            assert_eq!(missing_texts(catalogue), Vec::<String>::new(), "{lang}");
        }
    }

    #[test]
    fn the_clock_offset_is_said_in_natural_units_with_its_direction_and_plural() {
        let said = |seconds: i64, lang: &str| {
            let reasons = [Reason::new(Code::ClockSkew).signed("skew_seconds", seconds).number("skew_minutes", 0)];
            explain(&tier(Outcome::ActionRequired, &reasons, &[Action::FixClock]), lang, None).items.join(" ")
        };
        assert_eq!(said(3 * 3600 + 120, "en"), "Your device's clock is about 3 hours ahead.");
        assert_eq!(said(-3600, "en"), "Your device's clock is about 1 hour behind.");
        assert_eq!(said(-150, "en"), "Your device's clock is about 3 minutes behind.");
        assert_eq!(said(3600, "es"), "El reloj de su dispositivo va adelantado alrededor de una hora.");
        assert_eq!(said(-11 * 3600, "ar"), "ساعة جهازك متأخرة بنحو 11 ساعة.");
        assert_eq!(said(2 * 3600, "ar"), "ساعة جهازك متقدمة بنحو ساعتين.");
        assert_eq!(said(5 * 3600, "ar"), "ساعة جهازك متقدمة بنحو 5 ساعات.");
    }

    #[test]
    fn explains_stale_identity_in_plain_english() {
        let reasons =
            [Reason::new(Code::IdentityVerificationStale).number("max_age_days", 365).number("age_days", 400)];
        let explanation = explain(&tier(Outcome::ActionRequired, &reasons, &[Action::VerifyIdentity]), "en-US", None);
        assert_eq!(explanation.lang, "en");
        assert_eq!(explanation.headline, "You need to take a step before you can use Frontier models.");
        assert_eq!(explanation.items, ["Your identity verification is more than 365 days old."]);
        assert_eq!(explanation.remedies, ["Verify your identity again to use Frontier models."]);
    }

    #[test]
    fn claim_values_use_the_catalogue_words() {
        let reasons = [
            Reason::new(Code::AnonymizerDetected).text("anonymizer", "vpn"),
            Reason::new(Code::TokenExpired).text("kind", "location"),
        ];
        let explanation = explain(&tier(Outcome::ActionRequired, &reasons, &[]), "en", None);
        assert_eq!(
            explanation.items,
            ["Your connection goes through a VPN, which hides your location.", "Your location check has expired."]
        );
    }

    #[test]
    fn unknown_placeholders_and_unknown_languages_fall_back_visibly() {
        let english = Catalogue::english().expect("English ships");
        assert_eq!(fill("a {nope} b", None, "T", english), "a {nope} b");
        assert_eq!(fill("unclosed {tier", None, "T", english), "unclosed {tier");
        let explanation = explain(&tier(Outcome::Granted, &[], &[]), "xx", None);
        assert_eq!(explanation.lang, "en");
        assert!(Catalogue::supports("es-MX") && Catalogue::supports("AR") && !Catalogue::supports("fr"));
    }
}
