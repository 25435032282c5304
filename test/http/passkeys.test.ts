/**
 * Passkey rules the server enforces, driven over HTTP with a software authenticator (test/support/soft-authenticator.ts):
 * the account page needs a session and its CSRF token; registration and authentication challenges are bound to the
 * session / interaction and work once; the wrong origin or rpID is refused; credential ids are unique; a counter
 * that goes back is refused; a user can rename and remove only their own passkeys; the passkey step adds
 * `hwk` + `fido` to the ID token's `amr`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MULTI_FACTOR_ACR } from '../../src/identity/acr.js';
import { decodeJwt } from 'jose';
import { ALICE_PASSWORD, WEB_SECRET, postForm, startServer, type TestServer } from '../support/server.js';
import { TestBrowser } from '../support/browser.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { authenticationResponse, newCredential, registrationResponse, type SoftCredential } from '../support/soft-authenticator.js';
import { userCredentials } from '../../src/store/webauthn-credentials.js';
import { findUserByUsername } from '../../src/store/users.js';

const REDIRECT = 'http://127.0.0.1:7777/cb';

interface Options {
  challenge: string;
  rp?: { id: string };
  rpId?: string;
  excludeCredentials?: { id: string }[];
  allowCredentials?: { id: string }[];
  authenticatorSelection?: { userVerification?: string };
  userVerification?: string;
}

const optionsOf = (html: string): Options => JSON.parse(/<script type="application\/json" id="webauthn-options">(.*?)<\/script>/s.exec(html)![1]!) as Options;
const csrfOf = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)![1]!;

describe('passkeys over HTTP', () => {
  let server: TestServer;
  let origin: string;
  let rpId: string;
  let accountUrl: string;

  before(async () => {
    server = await startServer();
    origin = new URL(server.issuer).origin;
    rpId = new URL(server.issuer).hostname;
    accountUrl = `${server.issuer}/v1/account/passkeys`;
  });
  after(async () => server?.close());

  /** authorize → login form → where the interaction leads (a 303 to the client, or the passkey step page). */
  async function startLogin(browser: TestBrowser, username: string, password: string) {
    const pkce = pkcePair();
    const url = authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's', nonce: 'n', code_challenge: pkce.challenge, code_challenge_method: 'S256', prompt: 'login' });
    const { url: at, response } = await browser.follow(url);
    const html = await response.text();
    const posted = await browser.post(at, { csrf: csrfOf(html), username, password });
    const next = await browser.follow(at, posted);
    return { ...next, verifier: pkce.verifier, interactionUrl: at };
  }

  /** Alice's passkeys that are still registered (signing in completes the passkey step with one of them). */
  const aliceKeys: SoftCredential[] = [];

  async function signedIn(username: string, password: string): Promise<TestBrowser> {
    const browser = new TestBrowser();
    const login = await startLogin(browser, username, password);
    if (login.url.endsWith('/passkey')) {
      const html = await login.response.text();
      const options = optionsOf(html);
      const key = aliceKeys.find((k) => options.allowCredentials?.some((c) => c.id === k.id.toString('base64url')));
      assert.ok(key, 'a registered passkey');
      const done = await browser.post(login.url, { csrf: csrfOf(html), response: JSON.stringify(authenticationResponse(key, { challenge: options.challenge, origin, rpId })) });
      assert.equal(done.status, 303);
      assert.ok(done.headers.get('location')!.startsWith(REDIRECT));
      return browser;
    }
    assert.ok(login.url.startsWith(REDIRECT), login.url);
    return browser;
  }

  async function accountPage(browser: TestBrowser) {
    const response = await browser.get(accountUrl);
    assert.equal(response.status, 200);
    const html = await response.text();
    return { html, csrf: csrfOf(html), options: optionsOf(html) };
  }

  async function register(browser: TestBrowser, credential: SoftCredential, name: string, target: Partial<{ origin: string; rpId: string; challenge: string }> = {}) {
    const page = await accountPage(browser);
    const response = registrationResponse(credential, { challenge: page.options.challenge, origin, rpId, ...target });
    return browser.post(accountUrl, { csrf: page.csrf, action: 'add', name, response: JSON.stringify(response) });
  }

  const aliceId = async () => (await findUserByUsername(server.provider.db, (await server.provider.registry.get('acme'))!.id, 'alice'))!.id;
  const stored = async () => userCredentials(server.provider.db, (await server.provider.registry.get('acme'))!.id, await aliceId());

  it('needs a session: the account page and its POST answer 401 without one; the passkey step needs the password step', async () => {
    const get = await fetch(accountUrl);
    assert.equal(get.status, 401);
    assert.match(await get.text(), /You are not signed in/);
    const anonymous = await postForm(accountUrl, { action: 'add', csrf: 'x', response: '{}' });
    assert.equal(anonymous.status, 401);
    const forged = await postForm(accountUrl, { action: 'remove', id: 'x' }, { cookie: 'tessera_session=not-a-session' });
    assert.equal(forged.status, 401);
    // The passkey step needs the password step first.
    const browser = new TestBrowser();
    const { url: loginUrl, response } = await browser.follow(authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }));
    const csrf = csrfOf(await response.text());
    const step = await browser.get(`${loginUrl}/passkey`);
    assert.equal(step.status, 400);
    assert.match(await step.text(), /Sign in with your password first/);
    const post = await browser.post(`${loginUrl}/passkey`, { csrf, response: '{}' });
    assert.equal(post.status, 400);
    assert.match(await post.text(), /Sign in with your password first/);
  });

  it('registers a passkey with a session-bound challenge (rpID = issuer host, user verification preferred) and lists it', async () => {
    const browser = await signedIn('alice', ALICE_PASSWORD);
    const page = await accountPage(browser);
    assert.equal(page.options.rp?.id, rpId);
    assert.equal(page.options.authenticatorSelection?.userVerification, 'preferred');
    assert.match(page.html, /You have no passkeys yet/);
    const credential = newCredential();
    const added = await register(browser, credential, 'Laptop <1>');
    assert.equal(added.status, 303);
    aliceKeys.push(credential);
    assert.equal(added.headers.get('location'), '/oauth2/community/acme/v1/account/passkeys');
    const after = await accountPage(browser);
    assert.match(after.html, /value="Laptop &lt;1&gt;"/);
    assert.match(after.html, /never used/);
    assert.deepEqual(after.options.excludeCredentials?.map((c) => c.id), [credential.id.toString('base64url')]);
    const rows = await stored();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.name, 'Laptop <1>');
    assert.equal(Number(rows[0]!.counter), 0);
  });

  it('refuses a POST without the right CSRF token', async () => {
    const browser = await signedIn('alice', ALICE_PASSWORD);
    const page = await accountPage(browser);
    const before = (await stored()).length;
    const response = registrationResponse(newCredential(), { challenge: page.options.challenge, origin, rpId });
    for (const csrf of [undefined, 'wrong', page.csrf.slice(0, -1)]) {
      const res = await browser.post(accountUrl, { ...(csrf === undefined ? {} : { csrf }), action: 'add', name: 'x', response: JSON.stringify(response) });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /The form expired/);
    }
    const [first] = await stored();
    const rename = await browser.post(accountUrl, { csrf: 'wrong', action: 'rename', id: first!.id, name: 'Hacked' });
    assert.equal(rename.status, 400);
    const remove = await browser.post(accountUrl, { action: 'remove', id: first!.id });
    assert.equal(remove.status, 400);
    // The CSRF token of another session does not work either.
    const other = await signedIn('alice', ALICE_PASSWORD);
    const foreign = await other.post(accountUrl, { csrf: page.csrf, action: 'remove', id: first!.id });
    assert.equal(foreign.status, 400);
    assert.equal((await stored()).length, before);
    assert.notEqual((await stored())[0]!.name, 'Hacked');
  });

  it('uses a registration challenge once, binds it to its session, and refuses the wrong origin, rpID or a known credential id', async () => {
    const browser = await signedIn('alice', ALICE_PASSWORD);
    const before = (await stored()).length;
    // Replay: the same challenge a second time (the page is not reloaded, so no new challenge is stored).
    const page = await accountPage(browser);
    const first = newCredential();
    const ok = await browser.post(accountUrl, { csrf: page.csrf, action: 'add', name: 'One', response: JSON.stringify(registrationResponse(first, { challenge: page.options.challenge, origin, rpId })) });
    assert.equal(ok.status, 303);
    aliceKeys.push(first);
    const replay = await browser.post(accountUrl, { csrf: page.csrf, action: 'add', name: 'Two', response: JSON.stringify(registrationResponse(newCredential(), { challenge: page.options.challenge, origin, rpId })) });
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /could not be added/);

    // Another session's challenge.
    const other = await signedIn('alice', ALICE_PASSWORD);
    const otherPage = await accountPage(other);
    await accountPage(browser);
    const crossed = await register(browser, newCredential(), 'Crossed', { challenge: otherPage.options.challenge });
    assert.equal(crossed.status, 400);

    const wrongOrigin = await register(browser, newCredential(), 'Evil', { origin: 'http://evil.example' });
    assert.equal(wrongOrigin.status, 400);
    const wrongRp = await register(browser, newCredential(), 'Evil', { rpId: 'evil.example' });
    assert.equal(wrongRp.status, 400);
    // The same credential id again (also for another user) is refused.
    const again = await register(browser, first, 'Again');
    assert.equal(again.status, 400);
    const bob = await signedIn('bob', 'bob-password-1234');
    assert.equal((await register(bob, first, 'Stolen')).status, 400);
    // Malformed responses are a 400 page, never a 5xx.
    const page2 = await accountPage(browser);
    for (const response of ['', 'not json', '[]', '{"id":"x","rawId":"x","type":"public-key","response":{}}', 'x'.repeat(40_000)]) {
      const res = await browser.post(accountUrl, { csrf: page2.csrf, action: 'add', name: 'Bad', response });
      assert.equal(res.status, 400, response.slice(0, 40));
    }
    assert.equal((await stored()).length, before + 1);
  });

  it('renames and removes only the signed-in user’s own passkeys', async () => {
    const alice = await signedIn('alice', ALICE_PASSWORD);
    const bob = await signedIn('bob', 'bob-password-1234');
    const [target] = await stored();
    const bobPage = await accountPage(bob);
    const rename = await bob.post(accountUrl, { csrf: bobPage.csrf, action: 'rename', id: target!.id, name: 'Bob owns this' });
    assert.equal(rename.status, 404);
    const remove = await bob.post(accountUrl, { csrf: bobPage.csrf, action: 'remove', id: target!.id });
    assert.equal(remove.status, 404);
    assert.ok((await stored()).some((c) => c.id === target!.id && c.name === target!.name));

    const alicePage = await accountPage(alice);
    const renamed = await alice.post(accountUrl, { csrf: alicePage.csrf, action: 'rename', id: target!.id, name: '  Renamed\u0000 ' });
    assert.equal(renamed.status, 303);
    assert.equal((await stored()).find((c) => c.id === target!.id)?.name, 'Renamed');
    const removed = await alice.post(accountUrl, { csrf: alicePage.csrf, action: 'remove', id: target!.id });
    assert.equal(removed.status, 303);
    aliceKeys.splice(aliceKeys.findIndex((k) => k.id.toString('base64url') === target!.id), 1);
    assert.equal((await stored()).some((c) => c.id === target!.id), false);
    const unknown = await alice.post(accountUrl, { csrf: alicePage.csrf, action: 'frobnicate' });
    assert.equal(unknown.status, 400);
  });

  it('asks for the passkey after the password, verifies it once against the interaction’s challenge, and adds hwk + fido to amr', async () => {
    const setup = await signedIn('alice', ALICE_PASSWORD);
    const credential = newCredential();
    assert.equal((await register(setup, credential, 'Key')).status, 303);
    aliceKeys.push(credential);
    const ids = (await stored()).map((c) => c.id).sort();

    const browser = new TestBrowser();
    // Without the interaction's browser cookie: an error page.
    const login = await startLogin(browser, 'alice', ALICE_PASSWORD);
    assert.ok(login.url.endsWith('/passkey'), login.url);
    assert.equal(login.response.status, 200);
    const stranger = await fetch(login.url);
    assert.equal(stranger.status, 400);
    // The consent/continue POST cannot skip the passkey step.
    const html = await login.response.text();
    const skip = await browser.post(login.interactionUrl, { csrf: csrfOf(html), decision: 'allow' });
    assert.equal(skip.status, 303);
    assert.ok(skip.headers.get('location')!.endsWith('/passkey'));

    const stepPage = await browser.get(login.url);
    const stepHtml = await stepPage.text();
    const options = optionsOf(stepHtml);
    assert.equal(options.rpId, rpId);
    assert.equal(options.userVerification, 'preferred');
    assert.deepEqual(options.allowCredentials?.map((c) => c.id).sort(), ids);
    const csrf = csrfOf(stepHtml);

    // Wrong origin, wrong rpID, bad CSRF: refused (each attempt spends the challenge; a new page brings a new one).
    const refused = async (form: Record<string, string>, status = 400) => {
      const res = await browser.post(login.url, form);
      assert.equal(res.status, status);
      return optionsOf(await res.text());
    };
    let current = await refused({ csrf, response: JSON.stringify(authenticationResponse(credential, { challenge: options.challenge, origin: 'http://evil.example', rpId })) });
    current = await refused({ csrf, response: JSON.stringify(authenticationResponse(credential, { challenge: current.challenge, origin, rpId: 'evil.example' })) });
    const badCsrf = await browser.post(login.url, { csrf: 'nope', response: JSON.stringify(authenticationResponse(credential, { challenge: current.challenge, origin, rpId })) });
    assert.equal(badCsrf.status, 400);
    assert.match(await badCsrf.text(), /The form expired/);
    // A spent challenge is refused even with an otherwise valid assertion.
    current = await refused({ csrf, response: JSON.stringify(authenticationResponse(credential, { challenge: options.challenge, origin, rpId })) });

    const good = authenticationResponse(credential, { challenge: current.challenge, origin, rpId });
    const done = await browser.post(login.url, { csrf, response: JSON.stringify(good) });
    assert.equal(done.status, 303);
    const location = new URL(done.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    const code = location.searchParams.get('code')!;
    // The same assertion again: the interaction is finished.
    const replay = await browser.post(login.url, { csrf, response: JSON.stringify(good) });
    assert.equal(replay.status, 400);

    const token = await postForm(`${server.issuer}/v1/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: login.verifier, client_id: 'first-party', client_secret: WEB_SECRET });
    assert.equal(token.status, 200);
    const { id_token } = (await token.json()) as { id_token: string };
    assert.deepEqual(decodeJwt(id_token).amr, ['pwd', 'hwk', 'fido', 'mfa']);
    assert.equal(decodeJwt(id_token).acr, MULTI_FACTOR_ACR, 'password + passkey: the multi-factor acr (identity/acr.ts)');
    const row = (await stored()).find((c) => c.id === credential.id.toString('base64url'))!;
    assert.equal(Number(row.counter), credential.counter);
    assert.ok(row.last_used_at);
  });

  it('marks a synced (backed-up) passkey as swk', async () => {
    const setup = await signedIn('alice', ALICE_PASSWORD);
    const synced = newCredential(true);
    assert.equal((await register(setup, synced, 'Synced')).status, 303);
    aliceKeys.unshift(synced);
    const browser = new TestBrowser();
    const login = await startLogin(browser, 'alice', ALICE_PASSWORD);
    const html = await login.response.text();
    const options = optionsOf(html);
    const done = await browser.post(login.url, { csrf: csrfOf(html), response: JSON.stringify(authenticationResponse(synced, { challenge: options.challenge, origin, rpId })) });
    assert.equal(done.status, 303);
    const code = new URL(done.headers.get('location')!).searchParams.get('code')!;
    const token = await postForm(`${server.issuer}/v1/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: login.verifier, client_id: 'first-party', client_secret: WEB_SECRET });
    const { id_token } = (await token.json()) as { id_token: string };
    assert.deepEqual(decodeJwt(id_token).amr, ['pwd', 'swk', 'fido', 'mfa']);
    assert.equal((await stored()).find((c) => c.id === synced.id.toString('base64url'))?.backed_up, 1);
  });

  it('refuses an assertion whose signature counter went back (a cloned authenticator)', async () => {
    const setup = await signedIn('alice', ALICE_PASSWORD);
    const credential = newCredential();
    assert.equal((await register(setup, credential, 'Counting')).status, 303);
    aliceKeys.push(credential);
    // Sign in with the passkey at counter 5, then present counter 3 (and 5 again) on later sign-ins: refused.
    const signInWithCounter = async (counter: number) => {
      const browser = new TestBrowser();
      const login = await startLogin(browser, 'alice', ALICE_PASSWORD);
      const html = await login.response.text();
      const options = optionsOf(html);
      return browser.post(login.url, { csrf: csrfOf(html), response: JSON.stringify(authenticationResponse(credential, { challenge: options.challenge, origin, rpId }, counter)) });
    };
    assert.equal((await signInWithCounter(5)).status, 303);
    assert.equal((await signInWithCounter(5)).status, 400);
    const cloned = await signInWithCounter(3);
    assert.equal(cloned.status, 400);
    assert.match(await cloned.text(), /could not be verified/);
    assert.equal(Number((await stored()).find((c) => c.id === credential.id.toString('base64url'))!.counter), 5);
  });

  it('cancels from the passkey step: access_denied to the client', async () => {
    const browser = new TestBrowser();
    const login = await startLogin(browser, 'alice', ALICE_PASSWORD);
    const html = await login.response.text();
    const cancel = /<form method="post" action="([^"]+)">/.exec(html)![1]!;
    const res = await browser.post(new URL(cancel, server.base).href, { csrf: csrfOf(html), decision: 'deny' });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get('error'), 'access_denied');
  });

  it('does not let a password-only session skip the passkey step or manage older passkeys', async () => {
    server.clock.advance(5);
    const browser = new TestBrowser();
    const login = await startLogin(browser, 'alice', ALICE_PASSWORD);
    assert.ok(login.url.endsWith('/passkey'), login.url);
    // The SSO session exists (password only): the account page asks for the passkey first.
    const account = await browser.get(accountUrl);
    assert.equal(account.status, 403);
    assert.match(await account.text(), /Sign in with your passkey first/);
    const before = (await stored()).length;
    const remove = await browser.post(accountUrl, { csrf: 'irrelevant', action: 'remove', id: (await stored())[0]!.id });
    assert.equal(remove.status, 403);
    assert.equal((await stored()).length, before);
    // Single sign-on with that session: through the passkey step, never straight to the client.
    const sso = await browser.follow(authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }));
    assert.ok(sso.url.endsWith('/passkey'), sso.url);
    const silent = await browser.follow(authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's', prompt: 'none', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }));
    assert.equal(new URL(silent.url).searchParams.get('error'), 'interaction_required');
  });

  it('serves the browser script from Tessera itself with a JavaScript type and long caching', async () => {
    const browser = await signedIn('alice', ALICE_PASSWORD);
    const page = await accountPage(browser);
    const src = /<script nonce="([^"]+)" src="([^"]+)"><\/script>/.exec(page.html);
    assert.ok(src, 'the page loads the script under its nonce');
    assert.match(src[2]!, /^\/oauth2\/community\/acme\/v1\/assets\/webauthn\.js\?v=[\w-]{16}$/);
    const res = await fetch(new URL(src[2]!, server.base));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await res.text(), /SimpleWebAuthnBrowser/);
    const missing = await fetch(`${server.base}/oauth2/community/nope/v1/assets/webauthn.js`);
    assert.equal(missing.status, 404);
  });
});
