/**
 * The flow load driver (run on CPU 1 by measure.ts): `concurrency` loops each repeating the authorization code flow
 * with PKCE — authorize (→ login form when there is no session) → code → token exchange — for `seconds` seconds.
 * mode `sso`: every loop signs in once before the clock starts, then each flow rides the SSO session.
 * mode `login`: every flow starts in a fresh browser and submits the password.
 * Prints `measuring` and `done` around the measured window, then one JSON line: {count, seconds, p50Ms, p99Ms, errors}.
 */
import { TestBrowser } from '../test/support/browser.js';
import { authorizeThroughForms, pkcePair } from '../test/support/flows.js';
import type { RunningTarget } from './targets/target.js';
import { basicAuth } from './targets/target.js';

interface Args {
  mode: 'sso' | 'login';
  seconds: number;
  concurrency: number;
  target: Pick<RunningTarget, 'endpoints' | 'clients' | 'redirectUri' | 'user'>;
}

const args = JSON.parse(process.argv[2]!) as Args;
const { target } = args;

async function oneFlow(browser: TestBrowser): Promise<void> {
  const { verifier, challenge } = pkcePair();
  const url = new URL(target.endpoints.authorization);
  url.search = new URLSearchParams({
    client_id: target.clients.web.id,
    response_type: 'code',
    scope: 'openid profile email offline_access',
    redirect_uri: target.redirectUri,
    state: 'bench-state',
    nonce: 'bench-nonce',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const location = await authorizeThroughForms(browser, url.href, target.user);
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`no code: ${location.href}`);
  const res = await fetch(target.endpoints.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(target.clients.web) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`token ${res.status}`);
}

const latencies: number[] = [];
let errors = 0;
const browsers = Array.from({ length: args.concurrency }, () => new TestBrowser());
if (args.mode === 'sso') await Promise.all(browsers.map((b) => oneFlow(b)));
console.log('measuring');
const start = performance.now();
const end = start + args.seconds * 1000;
await Promise.all(
  browsers.map(async (sso) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await oneFlow(args.mode === 'sso' ? sso : new TestBrowser());
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }),
);
const seconds = (performance.now() - start) / 1000;
console.log('done');
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
console.log(JSON.stringify({ count: latencies.length, seconds, p50Ms: pct(50), p99Ms: pct(99), errors }));
