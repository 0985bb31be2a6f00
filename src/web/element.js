// The <access-check> class: a few lines that hand every lifecycle callback and method to the
// Rust ElementHandle made by `create`. Nothing here decides or renders.
// Outside a browser (server-side rendering) there is nothing to define: false, never a throw.
export function defineElement(tag, create, observed) {
  if (typeof customElements === 'undefined' || typeof HTMLElement === 'undefined') return false;
  if (customElements.get(tag)) return false;
  customElements.define(tag, class extends HTMLElement {
    static get observedAttributes() { return observed; }
    constructor() { super(); this._core = create(this); }
    connectedCallback() { this._core.connected(); }
    disconnectedCallback() { this._core.disconnected(); }
    attributeChangedCallback(name, before, after) { if (before !== after) this._core.attributeChanged(name); }
    get report() { return this._core.report(); }
    // A promise of the current decision, or of the next one (for readers that come late).
    get decided() { return this._core.decided(); }
    // A policy object (or its JSON text) or a compile()d policy; wins over the attribute.
    get policy() { return this._policy ?? null; }
    set policy(value) {
      // A URL or #id is the attribute's business (React sets properties even for strings).
      if (typeof value === 'string' && !value.trim().startsWith('{')) {
        this._policy = null;
        this._core.setPolicy(null);
        this.setAttribute('policy', value);
        return;
      }
      this._policy = value ?? null;
      const compiled = value !== null && typeof value === 'object' && typeof value.evaluate === 'function' &&
        typeof value.free === 'function';
      if (compiled) this._core.setCompiledPolicy(value); else this._core.setPolicy(value ?? null);
    }
    // Only strings go in: String(value) can throw (a throwing toString), and no method may.
    addToken(jws) { this._core.addToken(typeof jws === 'string' ? jws : ''); }
    refresh() { return this._core.refresh(); }
    supportCode() { return this._core.supportCode(); }
    replay(code) { this._core.replay(typeof code === 'string' ? code : ''); }
  });
  return true;
}
