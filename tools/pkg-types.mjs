// Run by `./dev pkg` after wasm-pack. (1) The raw wasm exports wasm-bindgen lists in
// `InitOutput` are internals typed `any`; consumers get `init()`'s result as an opaque handle
// with `memory`. (2) `[Symbol.dispose]` needs TypeScript's esnext library, which a project on
// ES2022 (create-vite's default) lacks: `free()` does the same and stays declared.
import { readFile, writeFile } from 'node:fs/promises';

const path = process.argv[2] ?? 'pkg/access_check.d.ts';
const text = await readFile(path, 'utf8');
const opaque = 'export interface InitOutput {\n    readonly memory: WebAssembly.Memory;\n}';
const rewritten = text
  .replace(/export interface InitOutput \{[\s\S]*?\n\}/, opaque)
  .replace(/\n\s*\[Symbol\.dispose\]\(\): void;/g, '');
if (!rewritten.includes(opaque)) throw new Error(`${path}: no InitOutput interface to rewrite`);
await writeFile(path, rewritten);
