// The peer for the forward-auth load test: a minimal Node.js server that only verifies the
// same tokens with jose (keys imported once, from the policy's JWKS) and answers 200 when all
// verify, 403 otherwise. No policy evaluation, no report: the least a verifier can do.
//   node tools/bench/forward-auth/jose-server.mjs PORT POLICY_FILE
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';

const [port, policyFile] = process.argv.slice(2);
const policy = JSON.parse(readFileSync(policyFile, 'utf8'));
const issuers = new Map(policy.issuers.map((issuer) => [issuer.iss, createLocalJWKSet(issuer.jwks)]));

async function verify(token) {
  const keys = issuers.get(decodeJwt(token).iss);
  if (!keys) return false;
  await jwtVerify(token, keys, { audience: policy.audience, clockTolerance: policy.leeway_seconds ?? 60 });
  return true;
}

http.createServer(async (request, response) => {
  const header = request.headers['access-check-attestation'] ?? '';
  const tokens = header.split(',').map((token) => token.trim()).filter(Boolean);
  let ok = tokens.length > 0;
  try {
    for (const token of tokens) ok = (await verify(token)) && ok;
  } catch {
    ok = false;
  }
  response.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' });
  response.end(ok ? '{"outcome":"granted"}' : '{"outcome":"blocked"}');
}).listen(Number(port), '127.0.0.1', () => console.log(`jose server on http://127.0.0.1:${port}/`));
