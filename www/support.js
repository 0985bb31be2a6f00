// The support console: replay a support code, try a user in the editor, browse the scenarios.
import { mint, nowSeconds, organization, ready, scenarioCard, widget } from './demo.js';

await ready;

// Replay: the widget shows exactly what the user saw, with what the code holds.
const replaySlot = document.getElementById('replay-slot');
const replayError = document.getElementById('replay-error');
document.getElementById('replay-button').addEventListener('click', () => {
  replayError.textContent = '';
  const element = widget(replaySlot, { policy: '/policy.json' }, []);
  const code = document.getElementById('support-code').value.trim();
  element.addEventListener('access-check:error', (event) => { replayError.textContent = event.detail.message; });
  element.addEventListener('access-check:decision', function once() {
    element.removeEventListener('access-check:decision', once);
    element.replay(code);
    const details = element.shadowRoot.querySelector('details');
    if (details) details.open = true;
  });
});

// The editor: mint with the demo issuer and evaluate at once.
const editorSlot = document.getElementById('editor-slot');
const editorError = document.getElementById('editor-error');
document.getElementById('evaluate').addEventListener('click', async () => {
  editorError.textContent = '';
  const form = new FormData(document.getElementById('editor'));
  const number = (name) => Number(form.get(name));
  const now = nowSeconds();
  const iat = now - number('issued_minutes') * 60;
  const times = { iat, exp: iat + number('lifetime_minutes') * 60 };
  try {
    const minted = [];
    if (form.get('us_person')) {
      minted.push(await mint('identity', { us_person: form.get('us_person'), ial: number('ial'),
        verified_at: Math.min(iat, now - number('verified_days') * 86400), ...times }));
    }
    const place = { country: String(form.get('country')).toUpperCase(), anonymizer: form.get('anonymizer'), ...times };
    if (form.get('region')) place.region = String(form.get('region')).toUpperCase();
    minted.push(await mint('location', place));
    const tiers = String(form.get('authorized')).split(',').map((t) => t.trim()).filter(Boolean);
    if (tiers.length) minted.push(await mint('organization', organization(tiers)));
    const serverNow = minted[0].serverNow;
    const attributes = { policy: '/policy.json', now: serverNow + number('clock_minutes') * 60 };
    if (form.get('server_time') === 'yes') attributes['server-time'] = serverNow;
    widget(editorSlot, attributes, minted.map((m) => m.token));
  } catch (error) {
    editorError.textContent = `The demo issuer refused: ${error.message}`;
  }
});

// The gallery.
const gallery = document.getElementById('gallery');
for (const name of await (await fetch('/scenario-index.json')).json()) {
  await scenarioCard(gallery, name, { attributes: { layout: 'full' } });
}
