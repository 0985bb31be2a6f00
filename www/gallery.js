// Renders www/scenarios/*.json with the real element. Used by the screenshot and timing tools.
import init, { define } from '../pkg/access_check.js';

const SCENARIOS = [
  '01-us-citizen-at-home', '02-green-card-holder', '03-protected-individual', '04-h1b-without-authorization',
  '05-h1b-with-authorization', '06-authorization-for-another-tier', '07-restricted-party', '08-dual-citizen',
  '09-traveller-allowed-country', '10-traveller-embargoed-country', '11-traveller-embargoed-region', '12-vpn-user',
  '13-no-tokens', '14-expired-identity', '15-stale-identity', '16-low-assurance-identity', '17-tampered-token',
  '18-untrusted-issuer', '19-issuer-wrong-kind', '20-subject-mismatch', '21-clock-ahead-with-server-time',
  '22-clock-ahead-without-server-time', '23-clock-behind-without-server-time',
];

const query = new URLSearchParams(location.search);
const theme = query.get('theme') ?? 'auto';
const lang = query.get('lang');
const layout = query.get('layout') ?? 'full';
const only = query.get('only')?.split(',');
const tier = query.get('tier');
document.body.classList.add(theme);
if (lang) document.documentElement.lang = lang;

window.__decisions = [];
await init();
define();

const gallery = document.getElementById('gallery');
for (const name of SCENARIOS.filter((name) => !only || only.some((prefix) => name.startsWith(prefix)))) {
  const scenario = await (await fetch(`scenarios/${name}.json`)).json();
  const card = document.createElement('section');
  card.className = 'card';
  card.dataset.scenario = name;
  const title = document.createElement('h2');
  title.textContent = scenario.title;
  const description = document.createElement('p');
  description.textContent = scenario.description;
  const policy = document.createElement('script');
  policy.type = 'application/json';
  policy.id = `policy-${name}`;
  policy.textContent = JSON.stringify(scenario.policy);
  const element = document.createElement('access-check');
  element.setAttribute('policy', `#${policy.id}`);
  element.setAttribute('now', String(scenario.now));
  if (scenario.server_time) element.setAttribute('server-time', String(scenario.server_time));
  element.setAttribute('theme', theme);
  element.setAttribute('layout', layout);
  if (tier) element.setAttribute('tier', tier);
  for (const token of scenario.tokens) element.addToken(token);
  element.addEventListener('access-check:decision', (event) => {
    window.__decisions.push({ scenario: name, at: performance.now(), outcome: event.detail.outcome });
  });
  card.append(title, description, policy, element);
  gallery.append(card);
}
