/**
 * The authorization endpoint's prompt values and hints (OIDC Core §3.1.2.1): every prompt and its prompt=none error,
 * several accounts on one browser and the account chooser, max_age/auth_time, id_token_hint, login_hint,
 * ui_locales/claims_locales, the claims request parameter into the ID token and UserInfo (also after a refresh),
 * acr/acr_values (essential acr, tenant:NAME), display and unknown parameters.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { ALICE_PASSWORD, WEB_SECRET, basic, fixture, startServer, type TestServer } from '../support/server.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { authorizeThroughForms, authorizeUrl, pkcePair } from '../support/flows.js';
import { REDIRECT, expectTokens, postToken } from '../support/token-helpers.js';
import { PASSWORD_ACR, MULTI_FACTOR_ACR } from '../../src/identity/acr.js';

const ALICE = { username: 'alice', password: ALICE_PASSWORD };
const BOB = { username: 'bob', password: 'bob-password-1234' };

function provisioning(jwks: Record<string, unknown>): Record<string, unknown> {
  const doc = fixture() as { communities: { clients: Record<string, unknown>[]; users: { username: string; claims: Record<string, unknown> }[] }[] };
  // A client that signs request objects (RFC 9101) with its registered key.
  doc.communities[0]!.clients.push({
    client_id: 'signed',
    client_secret: WEB_SECRET,
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
    scope: 'openid profile',
    skip_consent: true,
    jwks,
  });
  const alice = doc.communities[0]!.users.find((u) => u.username === 'alice')!;
  alice.claims = { ...alice.claims, 'name#de': 'Alice Beispiel', given_name: 'Alice', phone_number: '+41 44 000 00 00' };
  return doc;
}

describe('prompt, hints, claims and acr (OIDC Core §3.1.2.1, §5.5)', () => {
  let server: TestServer;
  let clientKey: CryptoKey;
  before(async () => {
    const pair = await generateKeyPair('ES256');
    clientKey = pair.privateKey;
    server = await startServer({ provisioning: provisioning({ keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig' }] }) });
  });
  after(() => server.close());

  const authorizeParams = (extra: Record<string, string> = {}, challenge = pkcePair().challenge) => ({
    client_id: 'first-party',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: REDIRECT,
    state: 'st',
    nonce: 'n',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const url = (extra: Record<string, string> = {}) => authorizeUrl(server.issuer, authorizeParams(extra));

  /** Redeems a code for first-party (client_secret_post, opaque access tokens). */
  async function redeem(code: string, verifier: string, clientId = 'first-party') {
    const res = await postToken(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId, client_secret: WEB_SECRET });
    return expectTokens(res);
  }

  /** Through the forms as `user`; the tokens and the ID token's claims. */
  async function signIn(browser: TestBrowser, extra: Record<string, string> = {}, user = ALICE) {
    const { verifier, challenge } = pkcePair();
    const location = await authorizeThroughForms(browser, authorizeUrl(server.issuer, authorizeParams(extra, challenge)), user);
    const code = location.searchParams.get('code');
    assert.ok(code, location.href);
    const tokens = await redeem(code, verifier);
    return { tokens, claims: decodeJwt(tokens.id_token!) as Record<string, unknown> };
  }

  /** A silent (no page) authorization: the redirect's query. */
  async function silent(browser: TestBrowser, extra: Record<string, string>): Promise<URLSearchParams> {
    const res = await browser.get(url(extra));
    assert.equal(res.status, 303, `a redirect, not a page (${res.status})`);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.origin + location.pathname, REDIRECT, `redirected to the client: ${location.href}`);
    return location.searchParams;
  }

  /** The sub a silent authorization yields (redeeming the code). */
  async function silentSub(browser: TestBrowser, extra: Record<string, string>): Promise<string> {
    const { verifier, challenge } = pkcePair();
    const query = await silent(browser, { ...extra, code_challenge: challenge });
    const code = query.get('code');
    assert.ok(code, `a code: ${query}`);
    return decodeJwt((await redeem(code, verifier)).id_token!).sub!;
  }

  const cookie = (browser: TestBrowser, name: string) => browser.cookies.find((c) => c.name === name)?.value;

  /** A browser with alice and bob signed in (bob current). */
  async function twoAccounts() {
    const browser = new TestBrowser();
    const alice = (await signIn(browser, {}, ALICE)).claims;
    const bob = (await signIn(browser, { prompt: 'login' }, BOB)).claims;
    return { browser, aliceSub: alice.sub as string, bobSub: bob.sub as string };
  }

  describe('prompt=none', () => {
    it('login_required without a session', async () => {
      assert.equal((await silent(new TestBrowser(), { prompt: 'none' })).get('error'), 'login_required');
    });

    it('consent_required when the client was never allowed', async () => {
      const browser = new TestBrowser();
      await signIn(browser);
      const query = await silent(browser, { client_id: 'web', prompt: 'none' });
      assert.equal(query.get('error'), 'consent_required');
      assert.equal(query.get('state'), 'st');
      assert.equal(query.get('iss'), server.issuer);
    });

    it('interaction_required when the session cannot meet an essential acr', async () => {
      const browser = new TestBrowser();
      await signIn(browser);
      const claims = JSON.stringify({ id_token: { acr: { essential: true, values: [MULTI_FACTOR_ACR] } } });
      assert.equal((await silent(browser, { prompt: 'none', claims })).get('error'), 'interaction_required');
    });

    it('account_selection_required with several accounts and none current; select_account shows the chooser', async () => {
      const { browser } = await twoAccounts();
      // The current session's cookie is gone (e.g. it expired in the browser): both accounts remain listed.
      const current = cookie(browser, 'tessera_session')!;
      const others = cookie(browser, 'tessera_accounts')!;
      const jar = browser.cookies.find((c) => c.name === 'tessera_accounts')!;
      jar.value = `${others}.${current}`;
      browser.cookies.splice(browser.cookies.findIndex((c) => c.name === 'tessera_session'), 1);
      assert.equal((await silent(browser, { prompt: 'none' })).get('error'), 'account_selection_required');
      const { response } = await browser.follow(url());
      const html = await response.text();
      assert.match(html, /Choose an account/);
      // Logout still ends both (the confirmation is bound to the accounts cookie then).
      const logoutUrl = `${server.issuer}/v1/logout`;
      const page = await browser.get(logoutUrl);
      const form = await page.text();
      assert.match(form, /name="logout" value="yes"/);
      await browser.post(logoutUrl, { ...hiddenInputs(form), logout: 'yes' });
      assert.equal((await silent(browser, { prompt: 'none' })).get('error'), 'login_required');
    });

    it('none combined with another value is invalid_request', async () => {
      assert.equal((await silent(new TestBrowser(), { prompt: 'none select_account' })).get('error'), 'invalid_request');
      assert.equal((await silent(new TestBrowser(), { prompt: 'bogus' })).get('error'), 'invalid_request');
    });
  });

  describe('several accounts on one browser', () => {
    it('a second user signing in keeps the first signed in; select_account lists both and switches', async () => {
      const { browser, aliceSub, bobSub } = await twoAccounts();
      assert.notEqual(aliceSub, bobSub);
      assert.ok(cookie(browser, 'tessera_accounts'), 'the other account is remembered');
      assert.equal(await silentSub(browser, { prompt: 'none' }), bobSub, 'bob is current');

      const { url: at, response } = await browser.follow(url({ prompt: 'select_account' }));
      const html = await response.text();
      assert.equal(response.status, 200);
      assert.match(html, /Choose an account/);
      assert.match(html, />alice</);
      assert.match(html, />bob</);
      assert.match(html, /Use another account/);
      const aliceSid = /name="account" value="([^"]+)"[^>]*><strong>Alice Example<\/strong>alice/.exec(html)?.[1];
      assert.ok(aliceSid, 'a button for alice');
      const posted = await browser.post(at, { ...hiddenInputs(html), account: aliceSid });
      assert.equal(posted.status, 303);
      const code = new URL(posted.headers.get('location')!).searchParams.get('code');
      assert.ok(code, 'first-party needs no consent: a code at once');
      // alice is now the browser's current account, bob still signed in.
      assert.equal(await silentSub(browser, { prompt: 'none' }), aliceSub);
      assert.equal(await silentSub(browser, { prompt: 'none', login_hint: 'bob' }), bobSub, 'login_hint picks a signed-in account');
    });

    it('select_account with a login_hint naming a signed-in account skips the chooser', async () => {
      const { browser, aliceSub } = await twoAccounts();
      assert.equal(await silentSub(browser, { prompt: 'select_account', login_hint: 'alice' }), aliceSub);
    });

    it('select_account with one account still shows the chooser (OIDC Core: the server should prompt)', async () => {
      const browser = new TestBrowser();
      await signIn(browser);
      const { response } = await browser.follow(url({ prompt: 'select_account' }));
      const html = await response.text();
      assert.match(html, /Choose an account/);
      assert.equal([...html.matchAll(/name="account"/g)].length, 1);
    });

    it('"use another account" opens the login form without signing anyone out', async () => {
      const browser = new TestBrowser();
      const alice = (await signIn(browser)).claims;
      const { url: at, response } = await browser.follow(url({ prompt: 'select_account' }));
      const html = await response.text();
      const another = /href="([^"]*another=1)"/.exec(html)?.[1];
      assert.ok(another);
      const next = new URL(another.replace(/&amp;/g, '&'), at).href;
      const login = await browser.get(next);
      const form = await login.text();
      assert.match(form, /name="password"/);
      const posted = await browser.post(next, { ...hiddenInputs(form), ...BOB });
      assert.equal(posted.status, 303);
      assert.ok(new URL(posted.headers.get('location')!).searchParams.get('code'));
      assert.equal(await silentSub(browser, { prompt: 'none', login_hint: 'alice' }), alice.sub, 'alice is still signed in');
    });

    it('the chooser refuses an account the browser does not hold', async () => {
      const browser = new TestBrowser();
      await signIn(browser);
      const { url: at, response } = await browser.follow(url({ prompt: 'select_account' }));
      const posted = await browser.post(at, { ...hiddenInputs(await response.text()), account: 'not-a-session-of-this-browser' });
      assert.equal(posted.status, 400);
      assert.match(await posted.text(), /no longer signed in on this browser/);
    });

    it('choosing an account under max_age=0 asks that account for its password again', async () => {
      const { browser } = await twoAccounts();
      const { url: at, response } = await browser.follow(url({ prompt: 'select_account', max_age: '0' }));
      const html = await response.text();
      const sid = /name="account" value="([^"]+)"/.exec(html)![1]!;
      const page = await browser.post(at, { ...hiddenInputs(html), account: sid });
      const form = await page.text();
      assert.match(form, /name="password"/);
      assert.match(form, /value="(alice|bob)"/, 'the username is filled in');
    });

    it('logout ends every account of the browser', async () => {
      const { browser } = await twoAccounts();
      const logoutUrl = `${server.issuer}/v1/logout`;
      const page = await browser.get(logoutUrl);
      const posted = await browser.post(logoutUrl, { ...hiddenInputs(await page.text()), logout: 'yes' });
      assert.equal(posted.status, 200);
      assert.equal(cookie(browser, 'tessera_session'), undefined);
      assert.equal(cookie(browser, 'tessera_accounts'), undefined);
      assert.equal((await silent(browser, { prompt: 'none', login_hint: 'alice' })).get('error'), 'login_required');
    });
  });

  describe('login, consent, max_age and hints', () => {
    it('prompt=login asks again; prompt=consent shows the consent page although consented', async () => {
      const browser = new TestBrowser();
      assert.ok((await authorizeThroughForms(browser, url({ client_id: 'web' }), ALICE)).searchParams.get('code'));
      const loginPage = await browser.follow(url({ prompt: 'login' }));
      assert.match(await loginPage.response.text(), /name="password"/);
      const { response } = await browser.follow(url({ client_id: 'web', prompt: 'consent' }));
      assert.match(await response.text(), /name="decision"/);
      // Without prompt=consent the remembered consent answers at once.
      const query = await silent(browser, { client_id: 'web', prompt: 'none' });
      assert.ok(query.get('code'));
    });

    it('auth_time is in the ID token whenever max_age was sent; max_age=0 forces a login', async () => {
      const browser = new TestBrowser();
      const first = (await signIn(browser, { max_age: '3600' })).claims;
      assert.equal(typeof first.auth_time, 'number');
      server.clock.advance(5);
      const { response } = await browser.follow(url({ max_age: '0' }));
      assert.match(await response.text(), /name="password"/, 'max_age=0: the password again');
      const again = (await signIn(browser, { max_age: '0' })).claims;
      assert.ok((again.auth_time as number) > (first.auth_time as number));
      assert.equal((await silent(browser, { max_age: '0', prompt: 'none' })).get('error'), 'login_required');
    });

    it('id_token_hint: another signed-in account answers silently; a user not signed in here → login_required', async () => {
      const { browser, aliceSub } = await twoAccounts();
      const aliceOnly = new TestBrowser();
      const aliceToken = (await signIn(aliceOnly)).tokens.id_token!;
      assert.equal(await silentSub(browser, { prompt: 'none', id_token_hint: aliceToken }), aliceSub);
      const bobOnly = new TestBrowser();
      const bobToken = (await signIn(bobOnly, {}, BOB)).tokens.id_token!;
      assert.equal((await silent(aliceOnly, { prompt: 'none', id_token_hint: bobToken })).get('error'), 'login_required');
      const { response } = await aliceOnly.follow(url({ id_token_hint: bobToken }));
      assert.match(await response.text(), /name="password"/, 'otherwise a login');
    });

    it('login_hint pre-fills the username', async () => {
      const { response } = await new TestBrowser().follow(url({ login_hint: 'bob' }));
      assert.match(await response.text(), /id="username" name="username"[^>]*value="bob"/);
    });
  });

  describe('languages', () => {
    it('ui_locales picks the page language, falling back to Accept-Language and then English', async () => {
      const page = async (extra: Record<string, string>, acceptLanguage?: string) => {
        const browser = new TestBrowser();
        const first = await browser.get(url(extra));
        const location = new URL(first.headers.get('location')!, server.issuer).href;
        const res = await fetch(location, { headers: { cookie: browser.cookieHeader(location), ...(acceptLanguage ? { 'accept-language': acceptLanguage } : {}) } });
        return res.text();
      };
      const de = await page({ ui_locales: 'de-CH en' });
      assert.match(de, /<html lang="de">/);
      assert.match(de, /<label for="username">Benutzername<\/label>/);
      assert.match(await page({ ui_locales: 'fr' }), /Mot de passe/);
      assert.match(await page({ ui_locales: 'es' }), /Contraseña/);
      assert.match(await page({ ui_locales: 'ja' }), /<html lang="en">/);
      const accept = await page({}, 'es-MX;q=0.9, fr;q=0.8');
      assert.match(accept, /<html lang="es">/);
      assert.match(await page({ ui_locales: 'de' }, 'fr'), /<html lang="de">/, 'ui_locales wins');
    });

    it('error pages, the logout confirmation and the session list are translated', async () => {
      const bad = await fetch(authorizeUrl(server.issuer, { client_id: 'nobody', ui_locales: 'fr' }));
      assert.equal(bad.status, 400);
      const errorHtml = await bad.text();
      assert.match(errorHtml, /<html lang="fr">/);
      assert.match(errorHtml, /Un problème est survenu/);
      const browser = new TestBrowser();
      await signIn(browser);
      const confirm = await browser.get(`${server.issuer}/v1/logout?ui_locales=de`);
      const confirmHtml = await confirm.text();
      assert.match(confirmHtml, /Abmelden\?/);
      assert.match(confirmHtml, /name="ui_locales" value="de"/, 'the form keeps the language');
      const sessions = await fetch(`${server.issuer}/v1/sessions`, { headers: { cookie: browser.cookieHeader(`${server.issuer}/v1/sessions`), 'accept-language': 'es' } });
      assert.match(await sessions.text(), /Tus sesiones/);
    });
  });

  describe('the claims request parameter and claims_locales', () => {
    it('releases requested claims into the ID token and UserInfo without their scopes, also after a refresh', async () => {
      const browser = new TestBrowser();
      const claims = JSON.stringify({ id_token: { email: { essential: true }, nickname: null, unknown_claim: null }, userinfo: { name: null, phone_number: null } });
      const { tokens, claims: idToken } = await signIn(browser, { scope: 'openid offline_access', claims, prompt: 'consent' });
      assert.equal(idToken.email, 'alice@example.com');
      assert.equal('nickname' in idToken, false, 'a claim the user does not have is left out');
      assert.equal('unknown_claim' in idToken, false);
      assert.equal('name' in idToken, false, 'userinfo claims stay out of the ID token');
      const userinfo = async (token: string) => (await fetch(`${server.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<Record<string, unknown>>;
      const info = await userinfo(tokens.access_token);
      assert.equal(info.name, 'Alice Example');
      assert.equal(info.phone_number, '+41 44 000 00 00');
      assert.equal('email' in info, false, 'id_token claims stay out of UserInfo');
      assert.ok(tokens.refresh_token);
      const refreshed = await expectTokens(await postToken(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'first-party', client_secret: WEB_SECRET }));
      assert.equal(decodeJwt(refreshed.id_token!).email, 'alice@example.com', 'the refreshed ID token keeps them');
      assert.equal((await userinfo(refreshed.access_token)).name, 'Alice Example');
    });

    it('works with JWT access tokens (web client), and the consent page lists the claims in plain words', async () => {
      const browser = new TestBrowser();
      const { verifier, challenge } = pkcePair();
      const claims = JSON.stringify({ userinfo: { given_name: { essential: true }, phone_number: null } });
      const start = authorizeUrl(server.issuer, authorizeParams({ client_id: 'web', claims, ui_locales: 'de' }, challenge));
      let { url: at, response } = await browser.follow(start);
      const posted = await browser.post(at, { ...hiddenInputs(await response.text()), ...ALICE });
      ({ url: at, response } = await browser.follow(at, posted));
      const consent = await response.text();
      assert.match(consent, /Zugriff erlauben\?/);
      assert.match(consent, /Ihren Vornamen \(erforderlich\)/);
      assert.match(consent, /Ihre Telefonnummer/);
      const allowed = await browser.post(at, { ...hiddenInputs(consent), decision: 'allow' });
      const code = new URL(allowed.headers.get('location')!).searchParams.get('code')!;
      const tokens = await expectTokens(await postToken(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic('web', WEB_SECRET) }));
      const info = (await (await fetch(`${server.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json()) as Record<string, unknown>;
      assert.equal(info.given_name, 'Alice');
      // The claims were consented: prompt=none now answers at once.
      assert.ok((await silent(browser, { client_id: 'web', claims, prompt: 'none' })).get('code'));
      // A claim not consented yet needs consent again.
      const more = JSON.stringify({ userinfo: { birthdate: null } });
      assert.equal((await silent(browser, { client_id: 'web', claims: more, prompt: 'none' })).get('error'), 'consent_required');
    });

    it('claims_locales releases the language-tagged variant', async () => {
      const browser = new TestBrowser();
      const claims = JSON.stringify({ id_token: { name: null } });
      const { claims: idToken } = await signIn(browser, { claims, claims_locales: 'de-AT fr' });
      assert.equal(idToken.name, 'Alice Example');
      assert.equal(idToken['name#de'], 'Alice Beispiel');
      const plain = (await signIn(new TestBrowser(), { claims })).claims;
      assert.equal('name#de' in plain, false);
      const tagged = (await signIn(new TestBrowser(), { claims: JSON.stringify({ id_token: { 'name#de': null } }) })).claims;
      assert.equal(tagged['name#de'], 'Alice Beispiel', 'a tagged name asked for explicitly');
    });

    it('a request object carries the claims parameter as a JSON object', async () => {
      const { verifier, challenge } = pkcePair();
      const params = { ...authorizeParams({ client_id: 'signed' }, challenge), claims: { id_token: { email: null, given_name: { essential: true } } }, aud: server.issuer, iss: 'signed' };
      const request = await new SignJWT(params).setProtectedHeader({ alg: 'ES256', typ: 'oauth-authz-req+jwt' }).setExpirationTime('5m').sign(clientKey);
      const location = await authorizeThroughForms(new TestBrowser(), authorizeUrl(server.issuer, { client_id: 'signed', request }), ALICE);
      const code = location.searchParams.get('code');
      assert.ok(code, location.href);
      const idToken = decodeJwt((await redeem(code, verifier, 'signed')).id_token!);
      assert.equal(idToken.email, 'alice@example.com');
      assert.equal(idToken.given_name, 'Alice');
    });

    it('a malformed claims parameter is invalid_request', async () => {
      for (const claims of ['not json', '[]', '{"id_token": 5}', '{"userinfo": {"name": {"essential": "yes"}}}']) {
        assert.equal((await silent(new TestBrowser(), { claims })).get('error'), 'invalid_request', claims);
      }
    });
  });

  it('discovery advertises the prompt values, languages, display values, acr levels and the claims parameter', async () => {
    const doc = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.deepEqual(doc.prompt_values_supported, ['none', 'login', 'consent', 'select_account']);
    assert.deepEqual(doc.ui_locales_supported, ['en', 'de', 'fr', 'es']);
    assert.deepEqual(doc.display_values_supported, ['page', 'popup', 'touch', 'wap']);
    assert.equal(doc.claims_parameter_supported, true);
    assert.deepEqual(doc.acr_values_supported, [PASSWORD_ACR, MULTI_FACTOR_ACR]);
  });

  describe('acr, acr_values, display and unknown parameters', () => {
    /** Signs in with the password; the page that follows (the second step when one is needed). */
    async function afterPassword(extra: Record<string, string>) {
      const browser = new TestBrowser();
      const { url: at, response } = await browser.follow(url(extra));
      const posted = await browser.post(at, { ...hiddenInputs(await response.text()), username: ALICE.username, password: ALICE.password });
      const next = await browser.follow(at, posted);
      return { browser, at: next.url, html: await next.response.text() };
    }

    it('a password login achieves the password acr; voluntary acr_values do not block it; multi-factor alone asks for a second factor', async () => {
      const { claims } = await signIn(new TestBrowser(), { acr_values: `${MULTI_FACTOR_ACR} ${PASSWORD_ACR}` });
      assert.equal(claims.acr, PASSWORD_ACR);
      // acr_values that only a multi-factor login meets is a step-up (identity/mfa-policy.ts): alice has no factor, so
      // the second step is TOTP enrolment; cancelling it is access_denied.
      const stepUp = await afterPassword({ acr_values: MULTI_FACTOR_ACR });
      assert.match(stepUp.html, /Set up two-step verification/);
      const cancelled = await stepUp.browser.post(stepUp.at, { ...hiddenInputs(stepUp.html), decision: 'deny' });
      assert.equal(new URL(cancelled.headers.get('location')!).searchParams.get('error'), 'access_denied');
    });

    it('an essential acr the login cannot achieve ends in access_denied (§5.5.1.1); one it meets passes; multi-factor is a second step', async () => {
      const browser = new TestBrowser();
      const essential = (values: string[]) => JSON.stringify({ id_token: { acr: { essential: true, values } } });
      const location = await authorizeThroughForms(browser, url({ claims: essential(['urn:example:acr:unknown']) }), ALICE);
      assert.equal(location.searchParams.get('error'), 'access_denied');
      const met = (await signIn(new TestBrowser(), { claims: essential([PASSWORD_ACR, MULTI_FACTOR_ACR]) })).claims;
      assert.equal(met.acr, PASSWORD_ACR);
      // An essential multi-factor acr: the second step (enrolment for alice, who has no factor), not access_denied.
      assert.match((await afterPassword({ claims: essential([MULTI_FACTOR_ACR]) })).html, /Set up two-step verification/);
    });

    it('acr_values=tenant:NAME is shown on the login page and kept on the interaction', async () => {
      const { url: at, response } = await new TestBrowser().follow(url({ acr_values: 'tenant:blue-team' }));
      assert.match(await response.text(), /Organisation: <strong>blue-team<\/strong>/);
      const uid = at.split('/').pop()!;
      const row = await server.provider.shortLived.findLiveInteraction((await server.provider.registry.get('acme'))!.id, uid, server.clock.now());
      assert.match(row!.request, /tenant:blue-team/);
    });

    it('display values are accepted (unknown ones ignored), and unknown parameters are ignored', async () => {
      for (const display of ['page', 'popup', 'touch', 'wap', 'hologram']) {
        const { response } = await new TestBrowser().follow(url({ display, frobnicate: 'yes' }));
        assert.equal(response.status, 200, display);
        assert.match(await response.text(), /name="password"/);
      }
    });
  });
});
