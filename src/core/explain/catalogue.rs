//! Message catalogues: one JSON document per language (`catalogue/*.json`, see build.rs).
//! Native builds compile every one in. The browser build compiles in English only: each other
//! language is a file of the package (`pkg/lang/TAG.json`, about 3 KB gzipped), fetched by the
//! browser shell the first time it is needed and [`install`]ed here.

use crate::core::json::Json;
use std::sync::{OnceLock, RwLock};

include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));
include!(concat!(env!("OUT_DIR"), "/languages.rs"));

/// The catalogues compiled into this build.
#[cfg(not(target_arch = "wasm32"))]
fn embedded() -> &'static [(&'static str, &'static str)] {
    CATALOGUES
}

#[cfg(target_arch = "wasm32")]
fn embedded() -> &'static [(&'static str, &'static str)] {
    &[("en", ENGLISH)]
}

/// Catalogues installed after start (the browser's fetched languages). Each is installed once
/// per language and kept for the program's life.
static INSTALLED: RwLock<Vec<&'static Catalogue>> = RwLock::new(Vec::new());

/// Installs the catalogue of a shipped language fetched at run time. Installing one that is
/// already there does nothing.
///
/// # Errors
/// The tag is not a shipped language, or the text is not a catalogue.
pub fn install(lang: &str, text: &str) -> Result<(), String> {
    if !SHIPPED_LANGUAGES.contains(&lang) {
        return Err(format!("{lang:?} is not a language of this package"));
    }
    if Catalogue::get(lang).is_some() {
        return Ok(());
    }
    // Only the file this build was made with: a catalogue changed on its way (a CDN, a proxy)
    // could word a refusal as a grant.
    use sha2::Digest;
    let digest: [u8; 32] = sha2::Sha256::digest(text.as_bytes()).into();
    if !CATALOGUE_SHA256.iter().any(|(tag, expected)| *tag == lang && *expected == digest) {
        return Err(format!("the {lang} catalogue is not the one this package was built with"));
    }
    let json = Json::parse(text).map_err(|error| format!("the {lang} catalogue is not JSON: {error}"))?;
    if !matches!(json.get("reasons"), Some(Json::Object(_))) || !matches!(json.get("headline"), Some(Json::Object(_))) {
        return Err(format!("the {lang} catalogue has no reasons or headlines"));
    }
    let catalogue: &'static Catalogue = Box::leak(Box::new(Catalogue { lang: lang.to_owned(), json }));
    INSTALLED.write().unwrap_or_else(std::sync::PoisonError::into_inner).push(catalogue);
    Ok(())
}

/// One language's wording.
#[derive(Debug)]
pub struct Catalogue {
    lang: String,
    json: Json,
}

fn loaded() -> &'static [Catalogue] {
    static LOADED: OnceLock<Vec<Catalogue>> = OnceLock::new();
    LOADED.get_or_init(|| {
        embedded()
            .iter()
            // A catalogue that does not parse is left out (English fallbacks fill in); the
            // catalogue tests make sure none ships like that.
            .filter_map(|(lang, text)| Json::parse(text).ok().map(|json| Catalogue { lang: (*lang).to_owned(), json }))
            .collect()
    })
}

/// The language tags of every shipped catalogue (compiled in or not).
pub fn shipped_languages() -> Vec<&'static str> {
    SHIPPED_LANGUAGES.to_vec()
}

/// The shipped tag for `lang`: the exact tag, else its primary language.
fn shipped_tag(lang: &str) -> Option<&'static str> {
    let lang = lang.trim().to_ascii_lowercase();
    let primary = lang.split(['-', '_']).next().unwrap_or_default().to_owned();
    let find = |tag: &str| SHIPPED_LANGUAGES.iter().copied().find(|shipped| *shipped == tag);
    find(&lang).or_else(|| find(&primary))
}

impl Catalogue {
    /// The catalogue of `lang` (an exact tag) if this build has it loaded.
    pub fn get(lang: &str) -> Option<&'static Catalogue> {
        loaded().iter().find(|catalogue| catalogue.lang == lang).or_else(|| {
            let installed = INSTALLED.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            installed.iter().copied().find(|catalogue| catalogue.lang == lang)
        })
    }

    /// The shipped language `lang` negotiates to when its catalogue is not loaded yet: what
    /// the browser shell fetches before it decides in that language.
    pub fn wanted(lang: &str) -> Option<&'static str> {
        shipped_tag(lang).filter(|tag| Catalogue::get(tag).is_none())
    }

    pub fn english() -> Option<&'static Catalogue> {
        Catalogue::get("en")
    }

    /// Whether `lang` (or its primary language) has a catalogue of its own, loaded or not.
    pub fn supports(lang: &str) -> bool {
        shipped_tag(lang).is_some()
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

    /// `count` of `unit` (`minutes`, `hours`, `days`) with the plural form this language uses
    /// for the number (`values.duration.UNIT.CATEGORY`, else `.other`, else English).
    pub fn duration(&self, unit: &str, count: u64) -> String {
        let category = super::plural::category(&self.lang, count);
        let form = |catalogue: &Catalogue| {
            catalogue
                .text("values", &format!("duration.{unit}.{category}"))
                .or_else(|| catalogue.text("values", &format!("duration.{unit}.other")))
        };
        let template =
            form(self).or_else(|| Catalogue::english().and_then(form)).unwrap_or_else(|| format!("{{n}} {unit}"));
        template.replace("{n}", &count.to_string())
    }

    /// Every text of the catalogue as (`section.key`, text), for the completeness tests.
    pub fn entries(&self) -> Vec<(String, String)> {
        let Json::Object(sections) = &self.json else { return Vec::new() };
        let mut out = Vec::new();
        for (section, texts) in sections {
            match texts {
                Json::Object(texts) => out.extend(
                    texts
                        .iter()
                        .filter_map(|(key, text)| Some((format!("{section}.{key}"), text.as_str()?.to_owned()))),
                ),
                Json::String(text) => out.push((section.clone(), text.clone())),
                _ => {}
            }
        }
        out
    }

    /// `values.KEY` of this catalogue, else English's.
    pub fn text_value(&self, key: &str) -> Option<String> {
        self.text("values", key).or_else(|| Catalogue::english().and_then(|english| english.text("values", key)))
    }

    /// The words for a claim value if this catalogue itself has them.
    pub fn own_value(&self, param: &str, value: &str) -> Option<String> {
        self.text("values", &format!("{param}.{value}"))
    }

    /// The words for a claim value if this catalogue (or English) has them.
    pub fn known_value(&self, param: &str, value: &str) -> Option<String> {
        self.text_value(&format!("{param}.{value}"))
    }

    /// "a, b and c": `list.separator` between all but the last two, `list.and` for those.
    pub fn list(&self, items: &[&str]) -> String {
        let separator = self.text("values", "list.separator").unwrap_or_else(|| ", ".to_owned());
        match items {
            [] => String::new(),
            [only] => (*only).to_owned(),
            [init @ .., last] => {
                let first = init.join(&separator);
                let template = self.text("values", "list.and").unwrap_or_else(|| "{first}, {last}".to_owned());
                template.replace("{first}", &first).replace("{last}", last)
            }
        }
    }
}
