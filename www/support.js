// The support console: replay a support code, try a user in the editor, browse the scenarios.
import { languageSwitcher, mint, nowSeconds, organization, ready, scenarioCard, widget } from './demo.js';

await ready;
const lang = languageSwitcher(document.getElementById('lang'));

// Replay: the widget shows exactly what the user saw, with what the code holds.
const replaySlot = document.getElementById('replay-slot');
document.getElementById('replay-button').addEventListener('click', () => {
  // The widget explains a damaged or empty code to the agent itself; the code is passed on as
  // pasted (the widget ignores line breaks and quote marks).
  const element = widget(replaySlot, { policy: '/policy.json', lang: lang() }, []);
  const code = document.getElementById('support-code').value;
  element.addEventListener('access-check:decision', function once() {
    element.removeEventListener('access-check:decision', once);
    element.replay(code);
  });
});

const OUTCOME_WORDS = { granted: 'granted', blocked: 'refused', action_required: 'a step needed', error: 'site problem' };
// Tiers by the names users read ("Frontier models"), from the site's policy.
const tierLabels = fetch('/policy.json').then((answer) => answer.json()).then((policy) => policy.tiers ?? []).catch(() => []);
const tierLabel = (tiers, id) => {
  const label = tiers.find((tier) => tier.id === id)?.label;
  return (typeof label === 'string' ? label : label?.[lang()] ?? label?.en) ?? id;
};

// The server's records of the code's user (POST /api/audit/lookup, with the support token).
const recordsStatus = document.getElementById('records-status');
const recordsTable = document.getElementById('records-table');
document.getElementById('records-button').addEventListener('click', async () => {
  recordsTable.hidden = true;
  const body = recordsTable.querySelector('tbody');
  body.replaceChildren();
  const code = document.getElementById('support-code').value.trim();
  if (!code) { recordsStatus.textContent = 'Paste the support code first.'; return; }
  recordsStatus.textContent = 'Looking up…';
  let answer;
  try {
    answer = await fetch('/api/audit/lookup', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${document.getElementById('support-token').value.trim()}` },
      body: JSON.stringify({ support_code: code, lang: lang() }),
    });
  } catch {
    recordsStatus.textContent = 'The server could not be reached.';
    return;
  }
  if (answer.status === 401) { recordsStatus.textContent = 'The support token was refused.'; return; }
  if (answer.status === 404) { recordsStatus.textContent = 'This server offers no lookup (no support token configured, or auditing is off).'; return; }
  const result = await answer.json().catch(() => ({}));
  if (!answer.ok) { recordsStatus.textContent = result.error ?? `The lookup failed (${answer.status}).`; return; }
  const browser = new Map(result.reported.map((tier) => [tier.tier, tier.outcome]));
  const tiers = await tierLabels;
  for (const record of result.records) {
    const row = body.insertRow();
    const shown = browser.get(record.tier) ?? '';
    const differs = shown !== '' && shown !== record.outcome;
    // In words: the record's own explanation, never raw reason codes.
    const words = record.explanation ? [record.explanation.headline, ...record.explanation.items].join(' ') : '—';
    const cells = [record.time, tierLabel(tiers, record.tier), OUTCOME_WORDS[record.outcome] ?? record.outcome, words,
      differs ? `${OUTCOME_WORDS[shown] ?? shown} (differs)` : OUTCOME_WORDS[shown] ?? shown, record.decision_id];
    for (const text of cells) row.insertCell().textContent = text;
    if (differs) row.classList.add('differs');
  }
  recordsTable.hidden = result.records.length === 0;
  const n = result.records.length;
  const disagreements = result.disagreements.length;
  recordsStatus.textContent = n === 0
    ? 'The server has no decision for this user within an hour of the code.'
    : `${n} decision${n === 1 ? '' : 's'} found. ` + (disagreements === 0
      ? 'None disagrees with what the user\'s browser showed.'
      : `${disagreements} disagree${disagreements === 1 ? 's' : ''} with what the user's browser showed (marked "differs"): the server's record is what was decided.`);
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
