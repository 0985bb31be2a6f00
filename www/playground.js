// The mock model playground: a persona bar, a model picker gated by the widget, and a prompt
// that the server decides on again (/api/enforce). The widget is advisory; the server decides.
import { identity, languageSwitcher, location, mint, organization, ready, widget } from './demo.js';

const PERSONAS = {
  citizen: { identity: identity('citizen'), location: location('US') },
  'green-card': { identity: identity('permanent_resident', { citizenships: ['MX'] }), location: location('US') },
  h1b: { identity: identity('none', { citizenships: ['IN'] }), location: location('US'), organization: organization([]) },
  'h1b-authorized': { identity: identity('none', { citizenships: ['IN'] }), location: location('US'), organization: organization(['frontier']) },
  'traveller-iran': { identity: identity('citizen'), location: location('IR') },
  'traveller-germany': { identity: identity('citizen'), location: location('DE') },
  vpn: { identity: identity('citizen'), location: location('US', { anonymizer: 'vpn' }) },
  clock: { identity: identity('citizen'), location: location('US'), clockOffset: 3 * 3600 },
  // At home in the US, identity not verified yet: "Verify your identity" leads to the demo's
  // identity provider (/verify.html), which comes back with the token in the URL fragment.
  nobody: { location: location('US') },
};

const persona = document.getElementById('persona');
const picker = document.getElementById('model-picker');
const slot = document.getElementById('widget-slot');
const answer = document.getElementById('server-answer');
const form = document.getElementById('prompt-form');
let tokens = [];
// The persona's location comes from an attestation endpoint, as a real edge's would: the widget
// fetches it and renews it before it expires (it lives ten minutes).
let locationEndpoint = null;
let choosing = 0;

const policy = await (await fetch('/policy.json')).json();
const params = new URLSearchParams(window.location.search);
if (params.get('persona') && PERSONAS[params.get('persona')]) persona.value = params.get('persona');
const lang = languageSwitcher(document.getElementById('lang'), () => labelTiers());
for (const tier of policy.tiers) {
  for (const model of tier.models) {
    const label = document.createElement('label');
    label.className = 'model';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'model';
    input.value = model;
    input.dataset.tier = tier.id;
    input.disabled = true;
    const name = document.createElement('span');
    name.textContent = model;
    const tierName = document.createElement('small');
    tierName.dataset.tier = tier.id;
    label.append(input, name, tierName);
    picker.append(label);
  }
}

/** The tier names beside the models, in the page's language. */
function labelTiers() {
  for (const small of picker.querySelectorAll('small[data-tier]')) {
    const tier = policy.tiers.find((t) => t.id === small.dataset.tier);
    small.textContent = tier?.label?.[lang()] ?? tier?.label?.en ?? small.dataset.tier;
  }
}

/** Frontier models are selectable only while the widget says granted for their tier. */
function gate(report) {
  const outcomes = new Map(report.tiers.map((tier) => [tier.id, tier.outcome]));
  for (const input of picker.querySelectorAll('input')) {
    input.disabled = outcomes.get(input.dataset.tier) !== 'granted';
    if (input.disabled) input.checked = false;
  }
  if (!picker.querySelector('input:checked')) {
    const first = picker.querySelector('input:not(:disabled)');
    if (first) first.checked = true;
  }
  document.body.dataset.widgetOutcomes = JSON.stringify(Object.fromEntries(outcomes));
}

/** Switches persona; if another switch starts meanwhile, the later one wins. */
async function choose(name) {
  const mine = ++choosing;
  document.body.dataset.pending = 'true';
  const chosen = PERSONAS[name] ?? {};
  answer.textContent = '';
  for (const input of picker.querySelectorAll('input')) input.disabled = true;
  const minted = await Promise.all(['identity', 'organization']
    .filter((kind) => chosen[kind])
    .map((kind) => mint(kind, chosen[kind])));
  if (mine !== choosing) return;
  tokens = minted.map((m) => m.token);
  const serverNow = minted[0]?.serverNow;
  locationEndpoint = chosen.location ? `/demo/location?${new URLSearchParams(chosen.location)}` : null;
  // token-param: the identity provider's way back (the widget takes the token from the
  // fragment and removes it from the address bar).
  // The policy's verify_identity link is the demo's identity provider, /verify.html.
  const attributes = { policy: '/policy.json', 'attestation-endpoint': locationEndpoint, 'token-param': 'access-check-token',
    lang: lang() };
  if (chosen.clockOffset && serverNow) {
    // The device clock runs fast; the server's Date header gives the right time.
    attributes.now = serverNow + chosen.clockOffset;
    attributes['server-time'] = serverNow;
  }
  const element = widget(slot, attributes, tokens, gate);
  // The widget describes the models it gates.
  element.id = 'access-widget';
  for (const input of picker.querySelectorAll('input')) input.setAttribute('aria-describedby', 'access-widget');
  labelTiers();
  // Coming back from the identity provider lands on the same visitor.
  const url = new URL(window.location.href);
  url.searchParams.set('persona', name);
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  document.body.dataset.persona = name;
  delete document.body.dataset.pending;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const model = picker.querySelector('input:checked');
  const tier = model?.dataset.tier ?? policy.tiers[0].id;
  // The server gets a fresh location attestation too, as a gateway would attach its edge's.
  const edge = locationEndpoint ? (await (await fetch(locationEndpoint)).json()).tokens : [];
  const response = await fetch('/api/enforce', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tokens: [...tokens, ...edge], tier }),
  });
  const report = await response.json();
  answer.dataset.status = String(response.status);
  answer.textContent = response.ok
    ? `Server (HTTP ${response.status}): allowed. ${model?.value ?? tier} would run your prompt now.`
    : `Server (HTTP ${response.status}): refused. ${report.explanation?.headline ?? report.error ?? ''}`;
});

// Only once the element is defined: a persona picked before (a quick visitor, a test) is
// read by the first choice below, never handed to an element that is not one yet.
await ready;
persona.addEventListener('change', () => choose(persona.value));
await choose(persona.value);
