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

/** The languages the widget speaks, by their own names. */
export const LANGUAGES = [
  ['en', 'English'], ['es', 'Español'], ['fr', 'Français'], ['de', 'Deutsch'], ['pt', 'Português (Brasil)'],
  ['zh', '简体中文'], ['ja', '日本語'], ['ko', '한국어'], ['hi', 'हिन्दी'], ['ar', 'العربية'], ['fa', 'فارسی'],
];

/**
 * Fills the demo bar's language switcher (`?lang=` keeps the choice across pages and the
 * identity provider's return); returns a function giving the chosen language. `onChange` runs
 * after a change.
 */
export function languageSwitcher(select, onChange) {
  for (const [tag, name] of LANGUAGES) {
    const option = document.createElement('option');
    option.value = tag;
    option.lang = tag;
    option.textContent = name;
    select.append(option);
  }
  const given = new URLSearchParams(window.location.search).get('lang');
  select.value = LANGUAGES.some(([tag]) => tag === given) ? given : 'en';
  select.addEventListener('change', () => {
    const url = new URL(window.location.href);
    url.searchParams.set('lang', select.value);
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
    for (const element of document.querySelectorAll('access-check')) element.setAttribute('lang', select.value);
    onChange?.(select.value);
  });
  return () => select.value;
}

/**
 * A fresh <access-check> with attributes and tokens, placed in `slot` (replacing what was
 * there). `onDecision` is attached before the element is on the page: with an inline policy the
 * first decision comes before any later listener could be.
 */
export function widget(slot, attributes, tokens, onDecision, properties = {}) {
  const element = document.createElement('access-check');
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  }
  Object.assign(element, properties);
  for (const token of tokens) element.addToken(token);
  if (onDecision) element.addEventListener('access-check:decision', (event) => onDecision(event.detail));
  slot.replaceChildren(element);
  return element;
}

/**
 * Appends a card for `www/scenarios/<name>.json` to `container`: title, description, the
 * scenario's policy in a <script type="application/json">, and the widget deciding the
 * scenario's tokens at its clock. Returns the widget; `onDecision` as for `widget`.
 */
export async function scenarioCard(container, name, { heading = 'h3', attributes = {}, onDecision } = {}) {
  const scenario = await (await fetch(`/scenarios/${name}.json`)).json();
  const card = document.createElement('article');
  card.className = 'card';
  card.dataset.scenario = name;
  const title = document.createElement(heading);
  title.textContent = scenario.title;
  const description = document.createElement('p');
  description.textContent = scenario.description;
  const policy = document.createElement('script');
  policy.type = 'application/json';
  policy.id = `policy-${name}`;
  policy.textContent = JSON.stringify(scenario.policy);
  const slot = document.createElement('div');
  card.append(title, description, policy, slot);
  // On the page first: the widget finds its policy by id when it connects.
  container.append(card);
  return widget(slot, { policy: `#${policy.id}`, now: scenario.now, 'server-time': scenario.server_time, ...attributes },
    scenario.tokens, onDecision);
}
