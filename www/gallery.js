// Renders www/scenarios/*.json with the real element. Used by the screenshot and timing tools.
import init, { define } from '../pkg/access_check.js';

const SCENARIOS = await (await fetch('scenario-index.json')).json();

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
