/**
 * The flow load driver (run on CPU 1 by measure.ts): `concurrency` loops each repeating the authorization code flow
 * with PKCE — authorize (→ login form when there is no session) → code → token exchange — for `seconds` seconds.
 * mode `sso`: every loop signs in once before the clock starts, then each flow rides the SSO session.
 * mode `login`: every flow starts in a fresh browser and submits the password.
 * mode `refresh`: every loop gets a refresh token by one code flow before the clock starts, then each "flow" is one
 * refresh_token grant presenting the token the previous one returned (rotation: each token is used exactly once).
 * Prints `measuring` and `done` around the measured window, then one JSON line: {count, seconds, p50Ms, p99Ms, errors}.
 */
import { hiddenInputs } from '../test/support/browser.js';
import { pkcePair } from '../test/support/flows.js';
import { HttpBrowser } from './http-browser.js';
import type { RunningTarget } from './targets/target.js';
import { basicAuth } from './targets/target.js';

interface Args {
  mode: 'sso' | 'login' | 'refresh';
  seconds: number;
  concurrency: number;
  target: Pick<RunningTarget, 'endpoints' | 'clients' | 'redirectUri' | 'user'>;
}

const args = JSON.parse(process.argv[2]!) as Args;
const { target } = args;

/** authorize → (login form, consent form) → the redirect to the client; returns that redirect's URL. */
async function authorizeThroughForms(browser: HttpBrowser, start: string): Promise<URL> {
  let { url: at, response } = await browser.follow(start);
  for (let step = 0; step < 4; step++) {
    if (response.status >= 300 && response.status < 400 && response.location) return new URL(response.location);
    const form = hiddenInputs(response.body);
    let posted;
    if (response.body.includes('name="password"')) posted = await browser.post(at, { ...form, username: target.user.username, password: target.user.password });
    else if (response.body.includes('name="decision"')) posted = await browser.post(at, { ...form, decision: 'allow' });
    else throw new Error(`unexpected page (${response.status}): ${response.body.slice(0, 300)}`);
    ({ url: at, response } = await browser.follow(at, posted));
  }
  throw new Error('too many interaction steps');
}

const api = new HttpBrowser();

async function oneFlow(browser: HttpBrowser): Promise<Record<string, string>> {
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
  const location = await authorizeThroughForms(browser, url.href);
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`no code: ${location.href}`);
  const res = await api.post(
    target.endpoints.token,
    { grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier },
    { authorization: basicAuth(target.clients.web) },
  );
  const body = JSON.parse(res.body) as Record<string, string>;
  if (res.status !== 200 || !body.access_token) throw new Error(`token ${res.status}`);
  return body;
}

async function refresh(token: string): Promise<string> {
  const res = await api.post(target.endpoints.token, { grant_type: 'refresh_token', refresh_token: token }, { authorization: basicAuth(target.clients.web) });
  const body = JSON.parse(res.body) as Record<string, string>;
  if (res.status !== 200 || !body.refresh_token) throw new Error(`refresh ${res.status}`);
  return body.refresh_token;
}

const latencies: number[] = [];
let errors = 0;
const browsers = Array.from({ length: args.concurrency }, () => new HttpBrowser());
const chains: string[] = [];
if (args.mode === 'sso') await Promise.all(browsers.map((b) => oneFlow(b)));
if (args.mode === 'refresh') for (const b of browsers) chains.push((await oneFlow(b)).refresh_token!);
console.log('measuring');
const start = performance.now();
const end = start + args.seconds * 1000;
await Promise.all(
  browsers.map(async (sso, i) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        if (args.mode === 'refresh') chains[i] = await refresh(chains[i]!);
        else await oneFlow(args.mode === 'sso' ? sso : new HttpBrowser());
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
