/**
 * The scenarios, each measured the same way on every target. `prepare` runs before each measured run (outside the
 * clock) to mint what the scenario consumes (tokens); `load` runs the warm-up or the measured window.
 */
import { TestBrowser } from '../test/support/browser.js';
import { authorizeThroughForms, pkcePair } from '../test/support/flows.js';
import { basicAuth, type RunningTarget } from './targets/target.js';
import { flows, wrk, type LoadResult } from './measure.js';

export interface Scenario {
  name: string;
  unit: 'req/s' | 'flows/s';
  load(target: RunningTarget, seconds: number): Promise<LoadResult>;
}

const CONNECTIONS = 32;

async function tokenRequest(target: RunningTarget, auth: string, form: Record<string, string>): Promise<Record<string, string>> {
  const res = await fetch(target.endpoints.token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth }, body: new URLSearchParams(form).toString() });
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 200) throw new Error(`${target.name} token endpoint: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Tokens of a user via the code flow (one SSO browser per call). */
async function codeFlowTokens(target: RunningTarget, browser: TestBrowser): Promise<Record<string, string>> {
  const { verifier, challenge } = pkcePair();
  const url = new URL(target.endpoints.authorization);
  url.search = new URLSearchParams({ client_id: target.clients.web.id, response_type: 'code', scope: 'openid profile email offline_access', redirect_uri: target.redirectUri, state: 'bench', nonce: 'bench', code_challenge: challenge, code_challenge_method: 'S256' }).toString();
  const location = await authorizeThroughForms(browser, url.href, target.user);
  const code = location.searchParams.get('code');
  if (!code) throw new Error(`${target.name}: no code in ${location.href}`);
  return tokenRequest(target, basicAuth(target.clients.web), { grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier });
}

const post = (target: RunningTarget, url: string, seconds: number, body: string, auth: string) =>
  wrk({ url, script: 'post.lua', env: { BODY: body, AUTH: auth }, seconds, connections: CONNECTIONS, serverPid: target.pid });
const get = (target: RunningTarget, url: string, seconds: number, auth = '') =>
  wrk({ url, script: 'get-auth.lua', env: { AUTH: auth }, seconds, connections: CONNECTIONS, serverPid: target.pid });

export const scenarios: Scenario[] = [
  {
    name: 'client_credentials (JWT)',
    unit: 'req/s',
    load: (t, s) => post(t, t.endpoints.token, s, 'grant_type=client_credentials', basicAuth(t.clients.ccJwt)),
  },
  {
    name: 'client_credentials (opaque)',
    unit: 'req/s',
    load: (t, s) => post(t, t.endpoints.token, s, 'grant_type=client_credentials', basicAuth(t.clients.ccOpaque)),
  },
  {
    name: 'introspection (opaque)',
    unit: 'req/s',
    async load(t, s) {
      const { access_token } = await tokenRequest(t, basicAuth(t.clients.ccOpaque), { grant_type: 'client_credentials' });
      return post(t, t.endpoints.introspection, s, `token=${encodeURIComponent(access_token!)}`, basicAuth(t.clients.ccJwt));
    },
  },
  {
    name: 'introspection (JWT)',
    unit: 'req/s',
    async load(t, s) {
      const { access_token } = await tokenRequest(t, basicAuth(t.clients.ccJwt), { grant_type: 'client_credentials' });
      return post(t, t.endpoints.introspection, s, `token=${encodeURIComponent(access_token!)}`, basicAuth(t.clients.ccJwt));
    },
  },
  { name: 'discovery', unit: 'req/s', load: (t, s) => get(t, t.endpoints.discovery, s) },
  { name: 'JWKS', unit: 'req/s', load: (t, s) => get(t, t.endpoints.jwks, s) },
  {
    // Driven by the flow driver (Node, keep-alive sockets): each of 32 loops chains the refresh token it was last
    // given. wrk could not do this without parsing every response in Lua, which made wrk the bound.
    name: 'refresh_token (rotation)',
    unit: 'req/s',
    load: (t, s) => flows({ mode: 'refresh', seconds: s, concurrency: CONNECTIONS, serverPid: t.pid, target: { endpoints: t.endpoints, clients: t.clients, redirectUri: t.redirectUri, user: t.user } }),
  },
  {
    name: 'userinfo',
    unit: 'req/s',
    async load(t, s) {
      const { access_token } = await codeFlowTokens(t, new TestBrowser());
      return get(t, t.endpoints.userinfo, s, `Bearer ${access_token}`);
    },
  },
  {
    name: 'code flow, SSO session',
    unit: 'flows/s',
    load: (t, s) => flows({ mode: 'sso', seconds: s, concurrency: CONNECTIONS, serverPid: t.pid, target: { endpoints: t.endpoints, clients: t.clients, redirectUri: t.redirectUri, user: t.user } }),
  },
  {
    name: 'code flow, password login',
    unit: 'flows/s',
    load: (t, s) => flows({ mode: 'login', seconds: s, concurrency: CONNECTIONS, serverPid: t.pid, target: { endpoints: t.endpoints, clients: t.clients, redirectUri: t.redirectUri, user: t.user } }),
  },
];
