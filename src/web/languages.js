// Where the package's language files are: pkg/lang/TAG.json. This file is copied by
// wasm-bindgen to pkg/snippets/<crate>/src/web/languages.js, four levels below pkg/.
export function catalogueUrl(lang) {
  return new URL(`../../../../lang/${lang}.json`, import.meta.url).href;
}

// Country names in the reader's language, from the browser's own CLDR data
// (Intl.DisplayNames); "" when it has none. One formatter per language.
const regionNames = new Map();
const locales = { pt: "pt-BR", zh: "zh-Hans" };
export function regionName(lang, code) {
  try {
    let names = regionNames.get(lang);
    if (!names) {
      names = new Intl.DisplayNames([locales[lang] ?? lang], { type: "region", fallback: "none" });
      regionNames.set(lang, names);
    }
    return names.of(code) ?? "";
  } catch {
    return "";
  }
}
