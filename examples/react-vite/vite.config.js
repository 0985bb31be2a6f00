// Nothing access-check needs: Vite emits the wasm and the language files the package points to
// with `new URL(…, import.meta.url)`. The target allows the top-level await of main.tsx.
export default { build: { target: 'es2022' } };
