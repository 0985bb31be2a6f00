// Shared by the playground and the support console: the demo issuer and widget helpers.
import init, { define } from '../pkg/access_check.js';

const DAY = 86400;
export const ready = init().then(() => define());

/** Mints a token with the demo issuer; returns it with the server's clock (Date header). */
export async function mint(kind, claims) {
  const response = await fetch('/demo/attest', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, claims }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return { token: body.token, serverNow: Math.floor(Date.parse(response.headers.get('date')) / 1000) };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function identity(usPerson, extra = {}) {
  return { us_person: usPerson, ial: 2, verified_at: nowSeconds() - 30 * DAY, citizenships: ['US'], ...extra };
}

export function location(country, extra = {}) {
  return { country, anonymizer: 'none', ...extra };
}

export function organization(authorizedTiers) {
  return {
    org_id: 'org-acme-42', org_name: 'Acme Robotics', org_country: 'US', entity: 'us_entity', restricted_party: false,
    authorizations: authorizedTiers.length
      ? [{ id: 'DEL-2026-0042', kind: 'deemed_export_license', tiers: authorizedTiers, exp: nowSeconds() + 365 * DAY }]
      : [],
  };
}

/** A fresh <access-check> with attributes and tokens, placed in `slot` (replacing what was there). */
export function widget(slot, attributes, tokens) {
  const element = document.createElement('access-check');
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  for (const token of tokens) element.addToken(token);
  slot.replaceChildren(element);
  return element;
}
