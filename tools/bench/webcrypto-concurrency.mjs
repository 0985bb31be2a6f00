// Does WebCrypto run verifications concurrently? Three crypto.subtle.verify calls (ES256, ES256,
// Ed25519) over 600 bytes, awaited one by one and started together; medians of 7 × 300 rounds.
//   node tools/bench/webcrypto-concurrency.mjs   (BENCHMARKS.md, "What stands in the way")
import { launch } from '../browser.mjs';
import { createServer } from 'node:http';
const server = createServer((req, res) => { res.writeHead(200, {'content-type':'text/html'}); res.end(`<script type="module">
const enc = new TextEncoder();
const kp = await crypto.subtle.generateKey({name:'ECDSA', namedCurve:'P-256'}, true, ['sign','verify']);
const ed = await crypto.subtle.generateKey({name:'Ed25519'}, true, ['sign','verify']);
const msg = enc.encode('x'.repeat(600));
const sig = await crypto.subtle.sign({name:'ECDSA', hash:'SHA-256'}, kp.privateKey, msg);
const esig = await crypto.subtle.sign({name:'Ed25519'}, ed.privateKey, msg);
const one = (i) => i == 2 ? crypto.subtle.verify({name:'Ed25519'}, ed.publicKey, esig, msg) : crypto.subtle.verify({name:'ECDSA', hash:'SHA-256'}, kp.publicKey, sig, msg);
async function seq(){ for (let i=0;i<3;i++) await one(i); }
async function par(){ await Promise.all([one(0),one(1),one(2)]); }
async function time(f,n){ const t=performance.now(); for(let i=0;i<n;i++) await f(); return (performance.now()-t)*1000/n; }
await time(seq,200); await time(par,200);
const r = {seq:[],par:[]}; for (let k=0;k<7;k++){ r.seq.push(await time(seq,300)); r.par.push(await time(par,300)); }
const med = a => a.sort((x,y)=>x-y)[3];
window.result = {seq: med(r.seq), par: med(r.par)};
</script>`); });
await new Promise(r => server.listen(0,'127.0.0.1',r));
const browser = await launch(); const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/`);
await page.waitForFunction(() => window.result, null, {timeout: 120000});
console.log(await page.evaluate(() => window.result));
await browser.close(); server.close();
