// Run by `./dev pkg`: builds pkg/access-check.js, the one-tag loader, as ONE module: the snippets
// (src/web/element.js, src/web/languages.js), the wasm-bindgen glue and src/web/loader.js, with
// the SHA-384 of the wasm written in. A page's `integrity` on this one file then covers all the
// JavaScript it runs, and the loader refuses any other wasm. Writes pkg/integrity.txt.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

const PKG = 'pkg';
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const must = (condition, what) => { if (!condition) throw new Error(`pkg-bundle: ${what}`); };

let glue = await readFile(`${PKG}/access_check.js`, 'utf8');
const snippetImport = /^import \{ ([\w, ]+) \} from '\.\/(snippets\/[^']+)';\n/gm;
const snippets = [];
for (const [line, names, path] of glue.matchAll(snippetImport)) {
  let code = await readFile(`${PKG}/${path}`, 'utf8');
  for (const name of names.split(', ')) {
    must(code.includes(`export function ${name}(`), `${path} does not export ${name}`);
  }
  // Inside the bundle a snippet's import.meta.url is the bundle's, at the package's root.
  if (path.endsWith('/languages.js')) {
    must(code.includes('`../../../../lang/${lang}.json`'), 'languages.js: the lang/ path moved');
    code = code.replace('`../../../../lang/${lang}.json`', '`./lang/${lang}.json`');
  }
  snippets.push(code.replace(/^export function/gm, 'function'));
  glue = glue.replace(line, '');
}
must(snippets.length === 2, `expected 2 snippets, found ${snippets.length}`);
must(!/^import /m.test(glue), 'the glue has other imports');

let loader = await readFile('src/web/loader.js', 'utf8');
const loaderImport = "import init, { define } from './access_check.js';\n";
must(loader.includes(loaderImport), 'loader.js: its import changed');
loader = loader.replace(loaderImport, '').replace('await init({', 'await __wbg_init({');
const wasm = await readFile(`${PKG}/access_check_bg.wasm`);
must(loader.includes("'__WASM_INTEGRITY__'"), 'loader.js: no integrity placeholder');
loader = loader.replace("'__WASM_INTEGRITY__'", `'${sri(wasm)}'`);

const bundle = `${snippets.join('\n')}\n${glue}\n${loader}`;
await writeFile(`${PKG}/access-check.js`, bundle);
await writeFile(`${PKG}/integrity.txt`,
  `${sri(Buffer.from(bundle))}  access-check.js\n${sri(wasm)}  access_check_bg.wasm\n`);
