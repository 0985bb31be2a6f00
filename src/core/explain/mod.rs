//! From a tier's decision to plain sentences for an end user (SPEC §5 `explanation`).
//!
//! All wording lives in the catalogues (`catalogue/<lang>.json`, embedded at build time): a
//! headline per outcome, one sentence per reason code and per remedy action, and the words for
//! claim values. A policy's `messages` override any sentence per code or action. Placeholders
//! such as `{tier}` or `{max_age_days}` are filled from the reason's params, as text.

mod catalogue;
pub mod framing;
pub mod names;
pub mod plural;
pub mod record;

pub use catalogue::{install as install_catalogue, shipped_languages, Catalogue};

use crate::core::codes::{Action, Code};
use crate::core::policy::evaluate::{Outcome, Param, Reason};
use crate::core::policy::Policy;
use crate::core::remedy::action_for;

/// What a person reads: a headline, one sentence per reason (as [`framing`] arranges them),
/// one per remedy, and notices beside the decision (a clock that is off while granted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explanation {
    pub lang: String,
    pub headline: String,
    pub items: Vec<String>,
    pub remedies: Vec<String>,
    pub notices: Vec<String>,
}

/// The tier facts an explanation is made from.
pub struct TierFacts<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub outcome: Outcome,
    /// The reasons worded as items, in reading order.
    pub reasons: &'a [Reason],
    pub actions: &'a [Action],
    /// Where each action comes from: the first of these reasons it fixes words it (its
    /// anonymizer, a first or a repeat verification).
    pub remedy_reasons: &'a [Reason],
    pub notices: &'a [Reason],
    /// The organization's branch is offered as the alternative to verifying identity.
    pub alternative: bool,
}

impl<'a> TierFacts<'a> {
    /// Facts worded as they are, without framing (a site problem, a single reason).
    pub fn plain(id: &'a str, label: &'a str, outcome: Outcome, reasons: &'a [Reason], actions: &'a [Action]) -> Self {
        TierFacts { id, label, outcome, reasons, actions, remedy_reasons: reasons, notices: &[], alternative: false }
    }
}

/// Which form of a remedy's sentence fits: a first step, a repeat, or the alternative branch.
/// Someone whose identity verification expired or could not be read verifies "again", also
/// when the organization is the alternative; "verify that you are a US person" is for a first
/// verification.
fn remedy_variant(action: Action, reason: Option<&Reason>, alternative: bool) -> Option<&'static str> {
    let code = reason.map(|reason| reason.code);
    match action {
        Action::VerifyIdentity if alternative && code == Some(Code::IdentityMissing) => Some("alternative"),
        Action::ContactOrganization if alternative => Some("alternative"),
        Action::VerifyIdentity if code == Some(Code::IdentityMissing) => Some("first"),
        Action::RefreshLocation if code == Some(Code::LocationMissing) => Some("first"),
        _ => None,
    }
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
    let remedy = |action: Action| -> String {
        let reason = tier.remedy_reasons.iter().find(|reason| action_for(reason) == Some(action));
        let variant = remedy_variant(action, reason, tier.alternative).map(|variant| format!("{action}.{variant}"));
        let template = overrides
            .and_then(|overrides| overrides.message(catalogue.lang(), tier.id, action.as_str()))
            .map(str::to_owned)
            .or_else(|| variant.as_deref().and_then(|key| catalogue.remedy(key)))
            .or_else(|| catalogue.remedy(action.as_str()))
            .or_else(|| english.and_then(|english| variant.as_deref().and_then(|key| english.remedy(key))))
            .or_else(|| english.and_then(|english| english.remedy(action.as_str())))
            .unwrap_or_else(|| action.to_string());
        fill(&template, reason)
    };
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
        remedies: tier.actions.iter().map(|action| remedy(*action)).collect(),
        notices: tier
            .notices
            .iter()
            .map(|reason| fill(&sentence(reason.code.as_str(), Catalogue::reason), Some(reason)))
            .collect(),
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
    // In a right-to-left sentence each value (a country, a number, a version) is isolated, so
    // "2026-11-21.1" never reads "21.1-11-2026" (FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE).
    let rtl = catalogue.direction() == "rtl";
    let isolated = |out: &mut String, value: &str| {
        if rtl {
            out.push('\u{2068}');
            out.push_str(value);
            out.push('\u{2069}');
        } else {
            out.push_str(value);
        }
    };
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
        // `{your_anonymizer}`: the same value, in the words for the user's own ("your VPN").
        let param_name = name.strip_prefix("your_").unwrap_or(name);
        match (name, reason.and_then(|reason| reason.param(param_name))) {
            // Always the label in the reader's language, never the id a reason may carry.
            ("tier", _) => isolated(&mut out, tier_label),
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
            (_, Some(Param::Text(value))) => isolated(&mut out, &words_for(catalogue, name, value)),
            (_, Some(Param::Number(value))) => isolated(&mut out, &value.to_string()),
            (_, Some(Param::List(values))) => {
                let words: Vec<String> = values
                    .iter()
                    .map(|value| {
                        let mut word = String::new();
                        isolated(&mut word, &words_for(catalogue, name, value));
                        word
                    })
                    .collect();
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                out.push_str(&catalogue.list(&words));
            }
            (_, None) => out.push_str(whole),
        }
        rest = after.get(close + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// The words for a claim value: country names by [`names`], regions by the catalogue (else "a
/// region of" its country), anything else by `values.NAME.VALUE`.
pub(crate) fn words_for(catalogue: &Catalogue, name: &str, value: &str) -> String {
    match name {
        // The catalogue's own words first, for the names a sentence needs an article with
        // ("the United States").
        "country" | "countries" => {
            catalogue.own_value("country", value).unwrap_or_else(|| names::country(catalogue.lang(), value))
        }
        "region" => catalogue.known_value("region", value).unwrap_or_else(|| {
            let country = value.split('-').next().unwrap_or(value);
            let template = catalogue.known_value("region", "other").unwrap_or_else(|| "{country}".to_owned());
            template.replace("{country}", &names::country(catalogue.lang(), country))
        }),
        _ => catalogue.value(name, value),
    }
}

/// The element's own texts (`ui` section of each catalogue).
pub const UI_KEYS: &[&str] = &[
    "reasons_label",
    "remedies_label",
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
    "fact_time",
    "heading",
    "available_instead",
    "notice_clock",
    "checking_again",
    "unchanged",
    "new_tab",
    "problem_code",
    "reload",
    "reload_needed",
    "fact_identity",
    "fact_location",
    "fact_organization",
    "fact_authorizations",
    "fact_no_authorizations",
    "fact_check_accepted",
    "fact_check_rejected",
    "fact_account",
    "fact_versions",
    "replay_read_only",
    "replay_saw",
    "replay_today",
    "replay_same",
    "replay_rules_changed",
    "replay_tier_changed",
    "replay_not_rederived",
    "code_damaged",
    "code_empty",
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
        TierFacts::plain("frontier", "Frontier models", outcome, reasons, actions)
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

    /// `{name}` placeholders of a text, sorted.
    fn placeholders(text: &str) -> Vec<String> {
        let mut found: Vec<String> =
            text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned())).collect();
        found.sort();
        found
    }

    /// Keys a language may have or leave out: English's articles for country names, and the
    /// plural categories, which differ by language (CLDR): each language has its own.
    fn optional(key: &str) -> bool {
        key.starts_with("values.country.") || key.starts_with("values.duration.")
    }

    #[test]
    fn every_language_has_every_english_text_with_the_same_placeholders() {
        let english = Catalogue::english().expect("English ships");
        let english_entries = english.entries();
        for lang in shipped_languages() {
            let catalogue = Catalogue::get(lang).unwrap_or_else(|| panic!("{lang}.json does not parse"));
            let entries = catalogue.entries();
            for (key, text) in &english_entries {
                if key == "name" || optional(key) {
                    continue;
                }
                let Some((_, translated)) = entries.iter().find(|(known, _)| known == key) else {
                    panic!("{lang}.json has no {key}");
                };
                assert_eq!(placeholders(translated), placeholders(text), "{lang}.json {key}: {translated}");
                assert!(!translated.trim().is_empty(), "{lang}.json {key} is empty");
            }
            for (key, text) in &entries {
                let known = english_entries.iter().any(|(english_key, _)| english_key == key);
                assert!(known || optional(key), "{lang}.json has {key}, which English does not");
                // Arabic's "one" and "two" forms say the number in the word ("ساعتين").
                if key.starts_with("values.duration.") {
                    assert!(placeholders(text).iter().all(|name| name == "n"), "{lang}.json {key}");
                }
            }
            // Every plural category this language uses has its form, for every unit.
            for unit in ["minutes", "hours", "days"] {
                for n in 0..=200 {
                    let category = plural::category(lang, n);
                    let key = format!("values.duration.{unit}.{category}");
                    assert!(entries.iter().any(|(known, _)| *known == key), "{lang}.json has no {key}");
                }
            }
            assert!(matches!(catalogue.direction(), "ltr" | "rtl"));
        }
        assert!(shipped_languages().len() >= 10, "at least ten languages ship");
        let rtl = shipped_languages().iter().filter(|lang| Catalogue::negotiate(lang).direction() == "rtl").count();
        assert!(rtl >= 2, "at least two right-to-left languages ship");
    }

    #[test]
    fn values_in_right_to_left_sentences_are_isolated_one_by_one() {
        let reasons = [Reason::new(Code::IdentityVerificationStale).number("max_age_days", 365)];
        let explanation = explain(&tier(Outcome::ActionRequired, &reasons, &[]), "ar", None);
        assert!(explanation.items.iter().any(|item| item.contains("\u{2068}365\u{2069}")), "{explanation:?}");
        let explanation = explain(&tier(Outcome::ActionRequired, &reasons, &[]), "en", None);
        assert!(!explanation.items.iter().any(|item| item.contains('\u{2068}')));
    }

    #[test]
    fn countries_and_regions_are_named_and_lists_read_as_lists() {
        let reasons = [
            Reason::new(Code::LocationRestricted).text("country", "IR"),
            Reason::new(Code::RegionRestricted).text("region", "UA-43"),
            Reason::new(Code::RegionRestricted).text("region", "UA-30"),
            Reason::new(Code::CitizenshipExcluded)
                .with("countries", Param::List(vec!["CU".into(), "IR".into(), "KP".into()])),
        ];
        let explanation = explain(&tier(Outcome::Blocked, &reasons, &[]), "en", None);
        assert_eq!(
            explanation.items,
            [
                "You are connecting from Iran, where these models are not available.",
                "You are connecting from the Crimea region of Ukraine, where these models are not available.",
                "You are connecting from a region of Ukraine, where these models are not available.",
                "Citizens of Cuba, Iran and North Korea do not qualify.",
            ]
        );
    }

    #[test]
    fn first_steps_and_repeats_are_worded_apart_and_the_anonymizer_is_named() {
        let remedy = |reason: Reason, action: Action| {
            let reasons = [reason];
            explain(&tier(Outcome::ActionRequired, &reasons, &[action]), "en", None).remedies.join(" ")
        };
        assert_eq!(
            remedy(Reason::new(Code::IdentityMissing), Action::VerifyIdentity),
            "Verify your identity to use Frontier models."
        );
        assert_eq!(
            remedy(Reason::new(Code::IdentityVerificationStale), Action::VerifyIdentity),
            "Verify your identity again to use Frontier models."
        );
        assert_eq!(
            remedy(Reason::new(Code::AnonymizerDetected).text("anonymizer", "tor"), Action::DisableAnonymizer),
            "Turn off Tor (use an ordinary browser window), then check again."
        );
        assert_eq!(
            remedy(Reason::new(Code::AnonymizerDetected).text("anonymizer", "vpn"), Action::DisableAnonymizer),
            "Turn off your VPN, then check again."
        );
    }

    #[test]
    fn remedies_that_come_with_the_check_again_button_say_so() {
        // The element shows "Check again" under these remedies; their words lead to it.
        let english = Catalogue::english().expect("English ships");
        assert_eq!(english.ui("retry"), "Check again");
        for reason in [
            Reason::new(Code::KeysUnavailable),
            Reason::new(Code::AnonymizerDetected).text("anonymizer", "vpn"),
            Reason::new(Code::ClockSkewSuspected),
            Reason::new(Code::TokenExpired).text("kind", "location"),
            Reason::new(Code::LocationMissing).text("kind", "location"),
        ] {
            let action = action_for(&reason).expect("each has a remedy");
            let reasons = [reason];
            let remedy = explain(&tier(Outcome::ActionRequired, &reasons, &[action]), "en", None).remedies.join(" ");
            assert!(remedy.to_lowercase().contains("check") && remedy.contains("again"), "{action}: {remedy}");
        }
        // A first location check names the button in every language.
        for lang in ["en", "es", "fr", "de", "pt", "zh", "ja", "ko", "hi", "ar", "fa"] {
            let catalogue = Catalogue::negotiate(lang);
            let remedy = catalogue.remedy("refresh_location.first").unwrap_or_default();
            assert!(remedy.contains(&catalogue.ui("retry")), "{lang}: {remedy}");
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
        assert_eq!(said(3600, "es"), "El reloj de su dispositivo está adelantado aproximadamente una hora.");
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
            ["Your connection goes through a VPN, which hides where you are.", "Your location check has expired."]
        );
    }

    #[test]
    fn unknown_placeholders_and_unknown_languages_fall_back_visibly() {
        let english = Catalogue::english().expect("English ships");
        assert_eq!(fill("a {nope} b", None, "T", english), "a {nope} b");
        assert_eq!(fill("unclosed {tier", None, "T", english), "unclosed {tier");
        let explanation = explain(&tier(Outcome::Granted, &[], &[]), "xx", None);
        assert_eq!(explanation.lang, "en");
        assert!(Catalogue::supports("es-MX") && Catalogue::supports("AR") && !Catalogue::supports("tlh"));
    }
}
