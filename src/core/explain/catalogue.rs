//! Message catalogues: one JSON document per language, embedded at build time (see build.rs).

use crate::core::json::Json;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));

/// One language's wording.
#[derive(Debug)]
pub struct Catalogue {
    lang: String,
    json: Json,
}

fn loaded() -> &'static [Catalogue] {
    static LOADED: OnceLock<Vec<Catalogue>> = OnceLock::new();
    LOADED.get_or_init(|| {
        CATALOGUES
            .iter()
            // A catalogue that does not parse is left out (English fallbacks fill in); the
            // catalogue tests make sure none ships like that.
            .filter_map(|(lang, text)| Json::parse(text).ok().map(|json| Catalogue { lang: (*lang).to_owned(), json }))
            .collect()
    })
}

/// The language tags of every shipped catalogue.
pub fn shipped_languages() -> Vec<&'static str> {
    CATALOGUES.iter().map(|(lang, _)| *lang).collect()
}

impl Catalogue {
    pub fn get(lang: &str) -> Option<&'static Catalogue> {
        loaded().iter().find(|catalogue| catalogue.lang == lang)
    }

    pub fn english() -> Option<&'static Catalogue> {
        Catalogue::get("en")
    }

    /// Whether `lang` (or its primary language) has a catalogue of its own.
    pub fn supports(lang: &str) -> bool {
        let lang = lang.trim().to_ascii_lowercase();
        let primary = lang.split(['-', '_']).next().unwrap_or_default().to_owned();
        Catalogue::get(&lang).or_else(|| Catalogue::get(&primary)).is_some()
    }

    /// The catalogue for `lang`: exact tag, then primary language, then English.
    pub fn negotiate(lang: &str) -> &'static Catalogue {
        static EMPTY: OnceLock<Catalogue> = OnceLock::new();
        let lang = lang.trim().to_ascii_lowercase();
        let primary = lang.split(['-', '_']).next().unwrap_or_default().to_owned();
        Catalogue::get(&lang)
            .or_else(|| Catalogue::get(&primary))
            .or_else(Catalogue::english)
            .unwrap_or_else(|| EMPTY.get_or_init(|| Catalogue { lang: "en".into(), json: Json::Object(Vec::new()) }))
    }

    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// `ltr` or `rtl`, for the element's `dir` attribute.
    pub fn direction(&self) -> &str {
        match self.json.get("direction").and_then(Json::as_str) {
            Some("rtl") => "rtl",
            _ => "ltr",
        }
    }

    /// A text of the element itself ("Check again", "Copy support code"), English if missing.
    pub fn ui(&self, key: &str) -> String {
        self.text("ui", key)
            .or_else(|| Catalogue::english().and_then(|english| english.text("ui", key)))
            .unwrap_or_else(|| key.to_owned())
    }

    /// Whether this catalogue itself has the `ui` text `key`.
    pub fn has_ui(&self, key: &str) -> bool {
        self.text("ui", key).is_some()
    }

    fn text(&self, section: &str, key: &str) -> Option<String> {
        self.json.get(section)?.get(key)?.as_str().map(str::to_owned)
    }

    pub fn headline(&self, outcome: &str) -> Option<String> {
        self.text("headline", outcome)
    }

    pub fn reason(&self, code: &str) -> Option<String> {
        self.text("reasons", code)
    }

    pub fn remedy(&self, action: &str) -> Option<String> {
        self.text("remedies", action)
    }

    /// The words for a claim value (`anonymizer.vpn` → "a VPN"); the value itself otherwise.
    pub fn value(&self, param: &str, value: &str) -> String {
        self.text("values", &format!("{param}.{value}")).unwrap_or_else(|| value.to_owned())
    }

    /// The phrase for an `EXCLUDED_FACT` fact, in this language, else English, else its name.
    pub fn fact(&self, fact: &str) -> String {
        let key = format!("fact.{fact}");
        self.text("values", &key)
            .or_else(|| Catalogue::english().and_then(|english| english.text("values", &key)))
            .unwrap_or_else(|| fact.to_owned())
    }

    pub fn has_fact(&self, fact: &str) -> bool {
        self.text("values", &format!("fact.{fact}")).is_some()
    }

    pub fn list_separator(&self) -> String {
        self.text("values", "list.separator").unwrap_or_else(|| ", ".to_owned())
    }
}
