// Renders www/scenarios/*.json with the real element. Used by the screenshot and timing tools.
//   ?theme=dark&lang=ar&only=01,04&layout=compact&tier=frontier
import { ready, scenarioCard } from './demo.js';

const query = new URLSearchParams(location.search);
const theme = query.get('theme') ?? 'auto';
const lang = query.get('lang');
const only = query.get('only')?.split(',');
document.body.classList.add(theme);
if (lang) document.documentElement.lang = lang;

window.__decisions = [];
await ready;
const gallery = document.getElementById('gallery');
const names = await (await fetch('/scenario-index.json')).json();
for (const name of names.filter((name) => !only || only.some((prefix) => name.startsWith(prefix)))) {
  await scenarioCard(gallery, name, {
    heading: 'h2',
    attributes: { theme, layout: query.get('layout') ?? 'full', tier: query.get('tier') },
    onDecision: (report) => window.__decisions.push({ scenario: name, at: performance.now(), outcome: report.outcome }),
  });
}
