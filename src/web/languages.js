// Where the package's language files are: pkg/lang/TAG.json. This file is copied by
// wasm-bindgen to pkg/snippets/<crate>/src/web/languages.js, four levels below pkg/.
export function catalogueUrl(lang) {
  return new URL(`../../../../lang/${lang}.json`, import.meta.url).href;
}
