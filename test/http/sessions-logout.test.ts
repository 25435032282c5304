/**
 * SSO sessions, prompt/max_age/id_token_hint re-authentication, consent memory, the interaction's browser binding and
 * CSRF protection, and RP-initiated logout.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { ALICE_PASSWORD, CC_SECRET, WEB_SECRET, basic, fixture, startServer, type TestServer } from '../support/server.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { authorizeThroughForms, authorizeUrl, pkcePair } from '../support/flows.js';
import { REDIRECT, codeForm, expectTokens, postToken } from '../support/token-helpers.js';

const ALICE = { username: 'alice', password: ALICE_PASSWORD };
const BOB = { username: 'bob', password: 'bob-password-1234' };

function twoCommunities(): Record<string, unknown> {
  const doc = fixture() as { communities: Record<string, unknown>[] };
  const acme = doc.communities[0]!;
  doc.communities.push({ ...acme, name: 'globex' });
  return doc;
}

describe('SSO sessions and re-authentication', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ provisioning: twoCommunities() });
  });
  after(() => server.close());

  const params = (extra: Record<string, string> = {}) => {
    const { challenge } = pkcePair();
    return { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'st', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256', ...extra };
  };

  /** Authorize with PKCE, redeem, and return the ID token claims. */
  async function idTokenVia(browser: TestBrowser, extra: Record<string, string>, user = ALICE, issuer = server.issuer): Promise<Record<string, unknown>> {
    const { verifier, challenge } = pkcePair();
    const location = await authorizeThroughForms(browser, authorizeUrl(issuer, params({ code_challenge: challenge, ...extra })), user);
    const code = location.searchParams.get('code');
    assert.ok(code, location.href);
    const res = await fetch(`${issuer}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...codeForm({ code, verifier }), client_id: 'first-party', client_secret: WEB_SECRET }).toString(),
    });
    const tokens = await expectTokens(res);
    return { ...decodeJwt(tokens.id_token!), _id_token: tokens.id_token };
  }

  it('sets an HttpOnly, SameSite=Lax session cookie scoped to the community, without Secure under http', async () => {
    const browser = new TestBrowser();
    const { url, response } = await browser.follow(authorizeUrl(server.issuer, params()));
    const res = await browser.post(url, { ...hiddenInputs(await response.text()), ...ALICE });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('tessera_session='));
    assert.ok(cookie);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.match(cookie, /Path=\/oauth2\/community\/acme\//);
    assert.doesNotMatch(cookie, /Secure/i);
    assert.equal(res.status, 303);
  });

  it('a second client signs in without a password; prompt=none returns a code for the same user', async () => {
    const browser = new TestBrowser();
    const first = await idTokenVia(browser, {});
    const res = await browser.get(authorizeUrl(server.issuer, params({ client_id: 'spa', prompt: 'none' })));
    assert.equal(res.status, 303);
    assert.ok(new URL(res.headers.get('location')!).searchParams.get('code'));
    const silent = await idTokenVia(browser, { prompt: 'none' });
    assert.equal(silent.sub, first.sub);
    assert.equal(silent.auth_time, first.auth_time);
    assert.equal(silent.sid, first.sid);
  });

  it('prompt=login asks for the password again and yields a later auth_time', async () => {
    const browser = new TestBrowser();
    const first = await idTokenVia(browser, {});
    server.clock.advance(10);
    const { response } = await browser.follow(authorizeUrl(server.issuer, params({ prompt: 'login' })));
    assert.match(await response.text(), /name="password"/);
    const again = await idTokenVia(browser, { prompt: 'login' });
    assert.ok((again.auth_time as number) >= (first.auth_time as number) + 10);
  });

  it('max_age: a session older than max_age must sign in again; auth_time is present', async () => {
    const browser = new TestBrowser();
    const first = await idTokenVia(browser, { max_age: '60' });
    assert.equal(typeof first.auth_time, 'number');
    server.clock.advance(61);
    const { response } = await browser.follow(authorizeUrl(server.issuer, params({ max_age: '60' })));
    assert.match(await response.text(), /name="password"/, 'login page shown');
    const silent = await browser.get(authorizeUrl(server.issuer, params({ max_age: '60', prompt: 'none' })));
    assert.equal(new URL(silent.headers.get('location')!).searchParams.get('error'), 'login_required');
  });

  it('id_token_hint naming another user forces a login (login_required with prompt=none)', async () => {
    const bobBrowser = new TestBrowser();
    const bobToken = (await idTokenVia(bobBrowser, {}, BOB))._id_token as string;
    const browser = new TestBrowser();
    await idTokenVia(browser, {});
    const silent = await browser.get(authorizeUrl(server.issuer, params({ prompt: 'none', id_token_hint: bobToken })));
    assert.equal(new URL(silent.headers.get('location')!).searchParams.get('error'), 'login_required');
    const { response } = await browser.follow(authorizeUrl(server.issuer, params({ id_token_hint: bobToken })));
    assert.match(await response.text(), /name="password"/);
    // Signing in as bob satisfies the hint.
    const asBob = await idTokenVia(browser, { id_token_hint: bobToken }, BOB);
    assert.equal(asBob.sub, decodeJwt(bobToken).sub);
  });

  it('an access token or a logout-style JWT signed by the same keys is not taken for an id_token_hint', async () => {
    const browser = new TestBrowser();
    const { verifier, challenge } = pkcePair();
    const location = await authorizeThroughForms(browser, authorizeUrl(server.issuer, params({ code_challenge: challenge })), ALICE);
    const res = await fetch(`${server.issuer}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...codeForm({ code: location.searchParams.get('code')!, verifier }), client_id: 'first-party', client_secret: WEB_SECRET }).toString(),
    });
    const tokens = await expectTokens(res);
    // A JWT access token (typ at+jwt) signed by the community's keys, with iss and sub.
    const cc = await fetch(`${server.issuer}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('service', CC_SECRET) },
      body: 'grant_type=client_credentials&scope=api:read',
    });
    const accessToken = (await expectTokens(cc)).access_token;
    assert.equal(decodeProtectedHeader(accessToken).typ, 'at+jwt');
    assert.equal(decodeJwt(accessToken).iss, server.issuer);
    const refused = await browser.get(authorizeUrl(server.issuer, params({ id_token_hint: accessToken })));
    const error = new URL(refused.headers.get('location')!);
    assert.equal(error.searchParams.get('error'), 'invalid_request');
    assert.match(error.searchParams.get('error_description')!, /id_token_hint/);
    const logoutPage = await browser.get(`${server.issuer}/v1/logout?${new URLSearchParams({ id_token_hint: accessToken, post_logout_redirect_uri: 'http://127.0.0.1:7777/bye' })}`);
    assert.equal(logoutPage.status, 400);
    // The ID token of the same response is accepted.
    const accepted = await browser.get(authorizeUrl(server.issuer, params({ prompt: 'none', id_token_hint: tokens.id_token! })));
    assert.ok(new URL(accepted.headers.get('location')!).searchParams.get('code'));
  });

  it('login_hint pre-fills the username; a wrong password re-renders the form (401) keeping the username', async () => {
    const browser = new TestBrowser();
    const { url, response } = await browser.follow(authorizeUrl(server.issuer, params({ login_hint: 'alice' })));
    const html = await response.text();
    assert.match(html, /name="username"[^>]*value="alice"/);
    const wrong = await browser.post(url, { ...hiddenInputs(html), username: 'alice', password: 'wrong' });
    assert.equal(wrong.status, 401);
    const page = await wrong.text();
    assert.match(page, /incorrect/);
    assert.match(page, /value="alice"/);
    assert.equal(wrong.headers.getSetCookie().some((c) => c.startsWith('tessera_session=')), false);
  });

  it('a session of one community is not valid in another', async () => {
    const browser = new TestBrowser();
    await idTokenVia(browser, {});
    const other = `${server.base}/oauth2/community/globex`;
    const res = await browser.get(authorizeUrl(other, params({ prompt: 'none' })));
    assert.equal(new URL(res.headers.get('location')!).searchParams.get('error'), 'login_required');
    assert.equal(new URL(res.headers.get('location')!).searchParams.get('iss'), other);
  });
});

describe('cookies under an https PUBLIC_URL', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: { PUBLIC_URL: 'https://id.example.test' } });
  });
  after(() => server.close());

  it('marks the interaction and session cookies Secure, and the issuer is the https one', async () => {
    const browser = new TestBrowser();
    const start = await browser.get(authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }));
    assert.match(start.headers.getSetCookie().find((c) => c.startsWith('tessera_interaction='))!, /Secure/);
    const { url, response } = await browser.follow(authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }));
    const res = await browser.post(url, { ...hiddenInputs(await response.text()), ...ALICE });
    assert.match(res.headers.getSetCookie().find((c) => c.startsWith('tessera_session='))!, /Secure/);
    assert.equal(new URL(res.headers.get('location')!).searchParams.get('iss'), 'https://id.example.test/oauth2/community/acme');
  });
});

describe('consent', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());
  const params = (extra: Record<string, string> = {}) => ({ client_id: 'web', response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT, state: 'st', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', ...extra });

  it('lists the scopes; deny answers access_denied with state and iss', async () => {
    const browser = new TestBrowser();
    const { url, response } = await browser.follow(authorizeUrl(server.issuer, params()));
    const login = await browser.follow(url, await browser.post(url, { ...hiddenInputs(await response.text()), ...ALICE }));
    const consent = await login.response.text();
    assert.match(consent, /See your email address/);
    assert.match(consent, /name="decision" value="allow"/);
    const denied = await browser.post(login.url, { ...hiddenInputs(consent), decision: 'deny' });
    const location = new URL(denied.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'st');
    assert.equal(location.searchParams.get('iss'), server.issuer);
  });

  it('is remembered for the same scopes, asked again for new ones and with prompt=consent', async () => {
    const browser = new TestBrowser();
    await authorizeThroughForms(browser, authorizeUrl(server.issuer, params()), ALICE, 'allow');
    const remembered = await browser.get(authorizeUrl(server.issuer, params()));
    assert.ok(new URL(remembered.headers.get('location')!).searchParams.get('code'));
    const more = await browser.follow(authorizeUrl(server.issuer, params({ scope: 'openid email profile' })));
    assert.match(await more.response.text(), /name="decision"/);
    const forced = await browser.follow(authorizeUrl(server.issuer, params({ prompt: 'consent' })));
    assert.match(await forced.response.text(), /name="decision"/);
  });
});

describe('the interaction is bound to its browser and protected against CSRF and replay', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());
  const start = async () => {
    const browser = new TestBrowser();
    const { url, response } = await browser.follow(authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }));
    return { browser, url, form: hiddenInputs(await response.text()) };
  };

  it('refuses another browser (no interaction cookie)', async () => {
    const { url, form } = await start();
    const stranger = new TestBrowser();
    const res = await stranger.post(url, { ...form, ...ALICE });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /another browser/);
    assert.equal((await stranger.get(url)).status, 400);
  });

  it('refuses a wrong or missing CSRF token, and nothing changes', async () => {
    const { browser, url, form } = await start();
    assert.equal((await browser.post(url, { ...form, csrf: 'forged', ...ALICE })).status, 400);
    assert.equal((await browser.post(url, { ...ALICE })).status, 400);
    assert.equal(browser.cookies.some((c) => c.name === 'tessera_session'), false);
    const ok = await browser.post(url, { ...form, ...ALICE });
    assert.equal(ok.status, 303, 'the interaction still works with the right token');
  });

  it('refuses an expired interaction', async () => {
    const { browser, url, form } = await start();
    server.clock.advance(901);
    const res = await browser.post(url, { ...form, ...ALICE });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /expired/);
  });

  it('refuses a completed interaction replayed', async () => {
    const { browser, url, form } = await start();
    const done = await browser.post(url, { ...form, ...ALICE });
    assert.equal(done.status, 303);
    assert.ok(new URL(done.headers.get('location')!).searchParams.get('code'));
    const replay = await browser.post(url, { ...form, ...ALICE });
    assert.equal(replay.status, 400);
  });
});

describe('RP-initiated logout', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());
  const logout = (q: Record<string, string> = {}) => `${server.issuer}/v1/logout${Object.keys(q).length ? `?${new URLSearchParams(q)}` : ''}`;

  async function signedIn(): Promise<{ browser: TestBrowser; idToken: string }> {
    const browser = new TestBrowser();
    const { verifier, challenge } = pkcePair();
    const location = await authorizeThroughForms(browser, authorizeUrl(server.issuer, { client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' }), ALICE);
    const tokens = await expectTokens(await postToken(server, codeForm({ code: location.searchParams.get('code')!, verifier }), { authorization: basic('web', WEB_SECRET) }));
    return { browser, idToken: tokens.id_token! };
  }
  const silent = async (browser: TestBrowser) => {
    const res = await browser.get(authorizeUrl(server.issuer, { client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, prompt: 'none', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }));
    const location = new URL(res.headers.get('location')!);
    return location.searchParams.get('error') ?? 'code';
  };

  it('confirms, ends the session, clears the cookie, and returns to the registered URI with state', async () => {
    const { browser, idToken } = await signedIn();
    const page = await browser.get(logout({ id_token_hint: idToken, post_logout_redirect_uri: 'http://127.0.0.1:7777/bye', state: 's t&x' }));
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Sign out\?/);
    const form = hiddenInputs(html);
    assert.ok(form.csrf);
    const done = await browser.post(`${server.issuer}/v1/logout`, { ...form, logout: 'yes' });
    assert.equal(done.status, 303);
    const location = new URL(done.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, 'http://127.0.0.1:7777/bye');
    assert.equal(location.searchParams.get('state'), 's t&x');
    assert.ok(done.headers.getSetCookie().some((c) => c.startsWith('tessera_session=;') || /tessera_session=.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i.test(c)));
    assert.equal(await silent(browser), 'login_required');
  });

  it('"stay signed in" keeps the session; a bad CSRF token changes nothing', async () => {
    const { browser } = await signedIn();
    const form = hiddenInputs(await (await browser.get(logout())).text());
    assert.equal((await browser.post(`${server.issuer}/v1/logout`, { ...form, csrf: 'forged', logout: 'yes' })).status, 400);
    assert.equal(await silent(browser), 'code');
    const kept = await browser.post(`${server.issuer}/v1/logout`, { ...form, logout: 'no' });
    assert.equal(kept.status, 200);
    assert.match(await kept.text(), /still signed in/);
    assert.equal(await silent(browser), 'code');
  });

  it('never redirects to an unregistered URI or without a client to check it against', async () => {
    const { browser, idToken } = await signedIn();
    const refused: Record<string, string>[] = [
      { id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example/' },
      { post_logout_redirect_uri: 'http://127.0.0.1:7777/bye' },
      { id_token_hint: idToken, client_id: 'first-party', post_logout_redirect_uri: 'http://127.0.0.1:7777/bye' },
      { id_token_hint: 'not-a-jwt', post_logout_redirect_uri: 'http://127.0.0.1:7777/bye' },
    ];
    for (const q of refused) {
      const res = await browser.get(logout(q));
      assert.equal(res.status, 400, JSON.stringify(q));
      assert.equal(res.headers.get('location'), null);
    }
    assert.equal(await silent(browser), 'code', 'nothing was ended');
  });

  it('without a session: straight to the registered URI, or the signed-out page', async () => {
    const browser = new TestBrowser();
    const res = await browser.get(logout({ client_id: 'web', post_logout_redirect_uri: 'http://127.0.0.1:7777/bye', state: 'x' }));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), 'http://127.0.0.1:7777/bye?state=x');
    const page = await browser.get(logout());
    assert.equal(page.status, 200);
    assert.match(await page.text(), /signed out/);
  });
});
