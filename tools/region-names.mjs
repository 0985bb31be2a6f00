// Writes src/core/explain/names/TAG.txt: "CODE<TAB>name" for every ISO 3166-1 alpha-2 code,
// the country names CLDR gives (through Node's Intl.DisplayNames), for the native builds
// (CLI, server). The browser asks its own Intl.DisplayNames instead, so these files are not
// in the wasm. Run after adding a language: node tools/region-names.mjs
import { readdirSync, writeFileSync } from "node:fs";

const catalogues = new URL("../src/core/explain/catalogue/", import.meta.url);
const out = new URL("../src/core/explain/names/", import.meta.url);
// The locale each catalogue's words are written for.
const locale = { pt: "pt-BR", zh: "zh-Hans" };
const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const shipped = readdirSync(catalogues).filter((name) => name.endsWith(".json")).map((name) => name.slice(0, -5));
// Tags given on the command line are written too (a language whose catalogue is on its way).
for (const tag of [...new Set([...shipped, ...process.argv.slice(2)])].sort()) {
  const names = new Intl.DisplayNames([locale[tag] ?? tag], { type: "region", fallback: "none" });
  const lines = [];
  for (const a of letters) {
    for (const b of letters) {
      const code = a + b;
      let name;
      try { name = names.of(code); } catch { name = undefined; }
      // Unassigned and private-use codes (XA, QO, …) have no name or name themselves.
      if (name && name !== code && !/^(AA|Q[M-Z]|X[A-Z]|ZZ)$/.test(code)) lines.push(`${code}\t${name}`);
    }
  }
  writeFileSync(new URL(`${tag}.txt`, out), lines.join("\n") + "\n");
  console.log(`${tag}: ${lines.length} names`);
}
