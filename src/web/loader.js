// The one-tag loader. `./dev pkg` (tools/pkg-bundle.mjs) builds pkg/access-check.js from it: this
// file, the wasm-bindgen glue and its snippets in one module, with the wasm's SHA-384 pinned,
// so that one `integrity` attribute covers everything the page runs:
//   <script type="module" src="https://cdn.example/access-check/access-check.js"
//           integrity="sha384-…" crossorigin="anonymous"></script>
// (pkg/integrity.txt has the hash.) The wasm then pins the language files it fetches. It finds
// the wasm beside itself (import.meta.url), wherever the package is served from, and defines
// <access-check>. If the WebAssembly cannot be loaded (blocked,
// missing, a CSP without 'wasm-unsafe-eval'), every <access-check> on the page shows that this
// site has a problem and fires `access-check:error` with WIDGET_UNAVAILABLE: never a silent
// nothing, never a grant.
import init, { define } from './access_check.js';

const MESSAGE = 'The access check could not be loaded on this site. Try again in a moment.';

function standIn(reason) {
  if (typeof customElements === 'undefined' || customElements.get('access-check')) return;
  const detail = { code: 'WIDGET_UNAVAILABLE', message: `access-check: the WebAssembly module could not be loaded: ${reason}` };
  customElements.define('access-check', class extends HTMLElement {
    get report() { return null; }
    get decided() { return Promise.reject(new Error(detail.message)); }
    addToken() {}
    refresh() { return Promise.resolve(null); }
    supportCode() { return undefined; }
    replay() {}
    connectedCallback() {
      if (!this.shadowRoot) {
        const status = document.createElement('p');
        status.setAttribute('role', 'status');
        status.setAttribute('part', 'status');
        status.textContent = MESSAGE;
        this.attachShadow({ mode: 'open' }).append(status);
      }
      console.error(`${detail.message} (${detail.code})`);
      this.dispatchEvent(new CustomEvent('access-check:error', { detail, bubbles: true, composed: true }));
    }
  });
}

// Replaced by the bundler with the wasm's `sha384-…`; a wasm that is not that one is refused.
const WASM_INTEGRITY = '__WASM_INTEGRITY__';

try {
  const wasm = new URL('./access_check_bg.wasm', import.meta.url);
  await init({ module_or_path: fetch(wasm, { integrity: WASM_INTEGRITY }) });
  define();
} catch (error) {
  standIn(error instanceof Error ? error.message : String(error));
}
