//! Catalogues other than English, fetched the first time a language is needed (about 3 KB
//! gzipped each, from `pkg/lang/TAG.json` beside the module). A language that cannot be
//! fetched is reported once on the console and shown in English; it is not tried again.

use super::fetch;
use crate::core::explain::{install_catalogue, Catalogue};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

const TIMEOUT_MS: i32 = 8_000;

#[wasm_bindgen(module = "/src/web/languages.js")]
extern "C" {
    #[wasm_bindgen(js_name = catalogueUrl)]
    fn catalogue_url(lang: &str) -> String;
    #[wasm_bindgen(js_name = regionName)]
    fn region_name(lang: &str, code: &str) -> String;
}

/// Country names come from the browser (`Intl.DisplayNames`), so the wasm carries no table.
pub fn install_country_names() {
    crate::core::explain::names::install(|lang, code| Some(region_name(lang, code)).filter(|name| !name.is_empty()));
}

thread_local! {
    /// Languages whose file could not be had.
    static FAILED: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// Makes sure the catalogue `lang` negotiates to is loaded, fetching it if needed. Returns
/// false when it could not be had (the decision is then worded in English).
pub async fn ensure(lang: &str) -> bool {
    install_country_names();
    let Some(tag) = Catalogue::wanted(lang) else { return true };
    if FAILED.with(|failed| failed.borrow().contains(&tag)) {
        return false;
    }
    let url = catalogue_url(tag);
    let installed = match fetch::get(&url, false, TIMEOUT_MS).await {
        Ok(fetched) => install_catalogue(tag, &fetched.text),
        Err(failure) => Err(failure.message),
    };
    match installed {
        Ok(()) => true,
        Err(message) => {
            web_sys::console::error_1(&JsValue::from_str(&format!(
                "access-check: the {tag} wording could not be loaded ({message}); showing English"
            )));
            FAILED.with(|failed| failed.borrow_mut().push(tag));
            false
        }
    }
}
