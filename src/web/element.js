// The <access-check> class: a few lines that hand every lifecycle callback and method to the
// Rust ElementHandle made by `create`. Nothing here decides or renders.
export function defineElement(tag, create, observed) {
  if (customElements.get(tag)) return false;
  customElements.define(tag, class extends HTMLElement {
    static get observedAttributes() { return observed; }
    constructor() { super(); this._core = create(this); }
    connectedCallback() { this._core.connected(); }
    disconnectedCallback() { this._core.disconnected(); }
    attributeChangedCallback(name, before, after) { if (before !== after) this._core.attributeChanged(name); }
    get report() { return this._core.report(); }
    // Only strings go in: String(value) can throw (a throwing toString), and no method may.
    addToken(jws) { this._core.addToken(typeof jws === 'string' ? jws : ''); }
    refresh() { return this._core.refresh(); }
    supportCode() { return this._core.supportCode(); }
    replay(code) { this._core.replay(typeof code === 'string' ? code : ''); }
  });
  return true;
}
