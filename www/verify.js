// The demo's identity provider (DEMO ONLY): the visitor picks a status, the demo issuer signs
// it, and the browser goes back to the page that sent it here with the token in the URL
// fragment (`#access-check-token=…`), which the widget's `token-param` reads and removes.
import { identity, mint } from './demo.js';

const form = document.getElementById('verify-form');
const status = document.getElementById('verify-status');
const cancel = document.getElementById('cancel');

/** Where to go back to: only a page of this site (never an open redirect). */
function returnUrl() {
  const given = new URLSearchParams(location.search).get('return');
  try {
    const url = new URL(given ?? '/', location.origin);
    return url.origin === location.origin ? url : new URL('/', location.origin);
  } catch {
    return new URL('/', location.origin);
  }
}

const back = returnUrl();
back.hash = '';
cancel.href = back.href;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const chosen = new FormData(form).get('status');
  status.textContent = 'Verifying…';
  try {
    // Only a citizen holds US citizenship; the demo's others are Indian citizens.
    const citizenships = chosen === 'citizen' ? ['US'] : ['IN'];
    const { token } = await mint('identity', identity(chosen, { citizenships, verified_at: Math.floor(Date.now() / 1000) }));
    const done = new URL(back);
    done.hash = `access-check-token=${encodeURIComponent(token)}`;
    location.assign(done.href);
  } catch (error) {
    status.textContent = `The demo issuer did not answer (${error.message}). Try again.`;
  }
});
