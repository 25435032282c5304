/**
 * Ending sessions and telling clients: OIDC Back-Channel Logout 1.0 (logout tokens POSTed, retried, given up),
 * Front-Channel Logout 1.0 (iframes on the signed-out page, CSP frame-src), and the session list page with
 * sign-out everywhere.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { ALICE_PASSWORD, WEB_SECRET, startServer, type TestServer } from '../support/server.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { authorizeThroughForms, authorizeUrl, pkcePair } from '../support/flows.js';
import { REDIRECT, codeForm, endpoints, expectTokens, fixtureWith, jsonObject, postToken } from '../support/token-helpers.js';

const ALICE = { username: 'alice', password: ALICE_PASSWORD };
const BYE = 'http://127.0.0.1:7777/bye';
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface Received {
  path: string;
  body: URLSearchParams;
}

/** A relying party's back-channel endpoint: /ok answers 200, /flaky fails twice then answers, /down always fails. */
async function startReceiver(): Promise<{ server: Server; base: string; received: Received[] }> {
  const received: Received[] = [];
  let flaky = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      received.push({ path, body: new URLSearchParams(raw) });
      const ok = path.startsWith('/ok') || (path === '/flaky' && ++flaky > 2);
      res.writeHead(ok ? 200 : 500, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('front- and back-channel logout, and the session list', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    receiver = await startReceiver();
    const rp = (clientId: string, extra: Record<string, unknown>) => ({
      client_id: clientId,
      client_name: `App ${clientId}`,
      client_secret: WEB_SECRET,
      redirect_uris: [REDIRECT],
      post_logout_redirect_uris: [BYE],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'openid profile',
      skip_consent: true,
      ...extra,
    });
    server = await startServer({
      env: { BACKCHANNEL_LOGOUT_ATTEMPTS: '3', BACKCHANNEL_LOGOUT_RETRY_MS: '20', BACKCHANNEL_LOGOUT_TIMEOUT_MS: '2000' },
      provisioning: fixtureWith([
        rp('rp-both', {
          backchannel_logout_uri: `${receiver.base}/ok/rp-both`,
          backchannel_logout_session_required: true,
          frontchannel_logout_uri: `${receiver.base}/front?app=both`,
          frontchannel_logout_session_required: true,
        }),
        rp('rp-flaky', { backchannel_logout_uri: `${receiver.base}/flaky` }),
        rp('rp-down', { backchannel_logout_uri: `${receiver.base}/down` }),
        rp('rp-front', { frontchannel_logout_uri: `${receiver.base}/front-plain` }),
      ]),
    });
  });
  after(async () => {
    await server.close();
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  /** Signs `browser` in to `clientId` (password the first time, SSO after) and returns the ID token's claims. */
  async function signIn(browser: TestBrowser, clientId: string): Promise<Record<string, unknown>> {
    const { verifier, challenge } = pkcePair();
    const params = { client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' };
    const location = await authorizeThroughForms(browser, authorizeUrl(server.issuer, params), ALICE);
    const code = location.searchParams.get('code');
    assert.ok(code, location.href);
    const tokens = await expectTokens(await postToken(server, { ...codeForm({ code, verifier }), client_id: clientId, client_secret: WEB_SECRET }));
    return decodeJwt(tokens.id_token!);
  }

  async function silentlySignedIn(browser: TestBrowser): Promise<boolean> {
    const { challenge } = pkcePair();
    const res = await browser.get(authorizeUrl(server.issuer, { client_id: 'rp-both', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256' }));
    return new URL(res.headers.get('location')!).searchParams.has('code');
  }

  /** RP-initiated logout through the confirmation page. */
  async function logout(browser: TestBrowser, query: Record<string, string>): Promise<Response> {
    const url = `${server.issuer}/v1/logout?${new URLSearchParams(query)}`;
    const confirm = await browser.get(url);
    assert.equal(confirm.status, 200);
    return browser.post(url, { ...hiddenInputs(await confirm.text()), logout: 'yes' });
  }

  it('discovery says both logout channels and their session variants are supported', async () => {
    const doc = await jsonObject(await fetch(endpoints(server).discovery));
    for (const key of ['backchannel_logout_supported', 'backchannel_logout_session_supported', 'frontchannel_logout_supported', 'frontchannel_logout_session_supported']) {
      assert.equal(doc[key], true, key);
    }
  });

  it('logout POSTs a signed logout token to each client of the session, retrying failures and giving up cleanly', async () => {
    const browser = new TestBrowser();
    const idToken = await signIn(browser, 'rp-both');
    await signIn(browser, 'rp-flaky');
    await signIn(browser, 'rp-down');
    await signIn(browser, 'rp-both');
    receiver.received.length = 0;

    const res = await logout(browser, { client_id: 'rp-both', post_logout_redirect_uri: BYE, state: 'xyz' });
    assert.equal(res.status, 200, 'a page holds the front-channel iframe before moving on');
    await server.provider.logoutDeliveries.settled();
    assert.equal(await silentlySignedIn(browser), false, 'the session is over');

    const to = (path: string) => receiver.received.filter((r) => r.path === path);
    assert.equal(to('/ok/rp-both').length, 1, 'one delivery to a healthy client, though it signed in twice');
    assert.equal(to('/flaky').length, 3, 'two failures, then delivered');
    assert.equal(to('/down').length, 3, 'three attempts, then given up');
    assert.equal(receiver.received.filter((r) => r.path.startsWith('/front')).length, 0, 'front-channel URLs are not called by the server');

    const token = to('/ok/rp-both')[0]!.body.get('logout_token')!;
    assert.equal(decodeProtectedHeader(token).typ, 'logout+jwt');
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(endpoints(server).jwks)), {
      issuer: server.issuer,
      audience: 'rp-both',
      currentDate: new Date(server.clock.now() * 1000),
      requiredClaims: ['iat', 'exp', 'jti', 'sub', 'sid', 'events'],
    });
    assert.equal(payload.sub, idToken.sub);
    assert.equal(payload.sid, idToken.sid);
    assert.deepEqual(payload.events, { [EVENT]: {} });
    assert.equal(payload.nonce, undefined, 'a logout token never carries a nonce');
    const tokens = to('/flaky').map((r) => decodeJwt(r.body.get('logout_token')!));
    assert.equal(new Set(tokens.map((t) => t.jti)).size, 3, 'each attempt is a fresh token');
  });

  it('the signed-out page loads each front-channel URL in an iframe (iss and sid when asked) and moves on to the client', async () => {
    const browser = new TestBrowser();
    const idToken = await signIn(browser, 'rp-both');
    await signIn(browser, 'rp-front');
    const res = await logout(browser, { client_id: 'rp-both', post_logout_redirect_uri: BYE, state: 'xyz' });
    await server.provider.logoutDeliveries.settled();
    const html = await res.text();
    const frames = [...html.matchAll(/<iframe src="([^"]+)"/g)].map((m) => new URL(m[1]!.replace(/&amp;/g, '&')));
    assert.equal(frames.length, 2);
    const both = frames.find((f) => f.pathname === '/front')!;
    assert.equal(both.searchParams.get('app'), 'both', 'the registered query is kept');
    assert.equal(both.searchParams.get('iss'), server.issuer);
    assert.equal(both.searchParams.get('sid'), idToken.sid);
    const plain = frames.find((f) => f.pathname === '/front-plain')!;
    assert.equal(plain.search, '', 'no iss/sid for a client that did not ask');
    assert.match(res.headers.get('content-security-policy')!, new RegExp(`frame-src ${receiver.base.replace(/\./g, '\\.')}(;|$)`));
    assert.match(html, new RegExp(`<meta http-equiv="refresh" content="2;url=${BYE}\\?state=xyz">`));
  });

  it('without front-channel clients, logout redirects at once', async () => {
    const browser = new TestBrowser();
    await signIn(browser, 'rp-flaky');
    const res = await logout(browser, { client_id: 'rp-flaky', post_logout_redirect_uri: BYE });
    await server.provider.logoutDeliveries.settled();
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), BYE);
  });

  it('the session list shows every browser and its apps; sign-out everywhere ends them all and notifies each client', async () => {
    const laptop = new TestBrowser();
    const phone = new TestBrowser();
    const laptopToken = await signIn(laptop, 'rp-both');
    await signIn(laptop, 'rp-front');
    const phoneToken = await signIn(phone, 'rp-both');
    server.clock.advance(5);

    const page = await laptop.get(`${server.issuer}/v1/sessions`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /signed in to <strong>acme<\/strong> as <strong>alice<\/strong> in 2 places/);
    assert.match(html, /<strong>This browser<\/strong>, signed in [^<]+<ul class="scopes"><li>App rp-both<\/li><li>App rp-front<\/li><\/ul>/);
    assert.match(html, /<strong>Another browser or device<\/strong>, signed in [^<]+<ul class="scopes"><li>App rp-both<\/li><\/ul>/);

    const refused = await laptop.post(`${server.issuer}/v1/sessions`, { action: 'sign_out_all', csrf: 'forged' });
    assert.equal(refused.status, 400);
    assert.equal(await silentlySignedIn(phone), true, 'a forged form ends nothing');

    receiver.received.length = 0;
    const done = await laptop.post(`${server.issuer}/v1/sessions`, { ...hiddenInputs(html), action: 'sign_out_all' });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /You are signed out/);
    await server.provider.logoutDeliveries.settled();
    assert.equal(await silentlySignedIn(laptop), false);
    assert.equal(await silentlySignedIn(phone), false, 'the other browser is signed out too');
    const sids = receiver.received.filter((r) => r.path === '/ok/rp-both').map((r) => decodeJwt(r.body.get('logout_token')!).sid);
    assert.deepEqual(new Set(sids), new Set([laptopToken.sid, phoneToken.sid]), 'a logout token per ended session');

    const after = await laptop.get(`${server.issuer}/v1/sessions`);
    assert.match(await after.text(), /You are not signed in/);
  });
});
