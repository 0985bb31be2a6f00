//! Country names in the reader's language, never codes ("Iran", not "IR").
//!
//! The browser knows them already (`Intl.DisplayNames`, CLDR's names), so the browser shell
//! installs a [`Namer`] that asks it and the wasm carries no table. Native builds (the CLI, the
//! server) carry CLDR's names for each shipped language in `names/TAG.txt`, written by
//! `tools/region-names.mjs` from the same CLDR data. A code no one can name stays the code.

use std::sync::OnceLock;

/// Gives the name of ISO 3166-1 country `code` in language `lang`, if it knows one.
pub type Namer = fn(lang: &str, code: &str) -> Option<String>;

static NAMER: OnceLock<Namer> = OnceLock::new();

/// Installs the platform's country names (the browser's); the first one installed stays.
pub fn install(namer: Namer) {
    let _ = NAMER.set(namer);
}

/// The name of country `code` for a reader of `lang` (a catalogue tag): the installed namer's,
/// else the table's for `lang`, else English's, else the code itself.
pub fn country(lang: &str, code: &str) -> String {
    NAMER
        .get()
        .and_then(|namer| namer(lang, code))
        .or_else(|| table_name(lang, code))
        .or_else(|| table_name("en", code))
        .unwrap_or_else(|| code.to_owned())
}

#[cfg(not(target_arch = "wasm32"))]
fn table_name(lang: &str, code: &str) -> Option<String> {
    let table = match lang {
        "en" => include_str!("names/en.txt"),
        "es" => include_str!("names/es.txt"),
        "ar" => include_str!("names/ar.txt"),
        "fr" => include_str!("names/fr.txt"),
        "de" => include_str!("names/de.txt"),
        "pt" => include_str!("names/pt.txt"),
        "zh" => include_str!("names/zh.txt"),
        "ja" => include_str!("names/ja.txt"),
        "ko" => include_str!("names/ko.txt"),
        "hi" => include_str!("names/hi.txt"),
        "fa" => include_str!("names/fa.txt"),
        _ => return None,
    };
    table.lines().find_map(|line| line.strip_prefix(code)?.strip_prefix('\t')).map(str::to_owned)
}

#[cfg(target_arch = "wasm32")]
fn table_name(_lang: &str, _code: &str) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_named_in_the_readers_language_and_unknown_codes_stay_codes() {
        assert_eq!(country("en", "IR"), "Iran");
        assert_eq!(country("en", "KP"), "North Korea");
        assert_eq!(country("es", "US"), "Estados Unidos");
        assert_eq!(country("xx", "RU"), "Russia");
        assert_eq!(country("en", "Q1"), "Q1");
    }

    #[test]
    fn every_shipped_language_has_a_table_with_every_country() {
        for lang in super::super::shipped_languages() {
            assert!(table_name(lang, "IR").is_some(), "names/{lang}.txt");
            assert!(table_name(lang, "UA").is_some(), "names/{lang}.txt");
        }
    }
}
