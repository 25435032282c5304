/**
 * The authorization code flow in a real headless Chromium (playwright-core): the browser follows Tessera's redirects,
 * renders the login and consent pages, the user types into the fields found by their labels and clicks the buttons,
 * and the browser lands on a real callback server on 127.0.0.1 with `code`, `state` and `iss`.
 *
 * Needs Chromium: Debian's `chromium` at /usr/bin/chromium (what CI installs) or CHROMIUM_PATH. Without it the suite
 * fails with a message saying so; it is never skipped silently.
 * Screenshots of the pages go to $TESSERA_SCREENSHOT_DIR when set (kept), otherwise to a temporary directory that is
 * removed afterwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ALICE_PASSWORD, WEB_SECRET, basic, fixtureWithNotes, postForm, startServer, type TestServer } from '../support/server.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { launchChromium, screenshots, startCallbackServer, watch, type CallbackServer } from '../support/chromium.js';

const CLIENT_ID = 'notes';
const CLIENT_NAME = 'Acme Notes';

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || null);

describe('headless Chromium through the login and consent pages', () => {
  let server: TestServer;
  let callback: CallbackServer;
  let browser: Browser;
  const shots = screenshots();
  const screenshot = shots.take;

  before(async () => {
    browser = await launchChromium();
    callback = await startCallbackServer();
    server = await startServer({ provisioning: fixtureWithNotes(callback.redirectUri) });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await callback?.close();
    shots.cleanup();
  });

  it('signs in by label, consents, reaches the callback with code, state and iss, and redeems the code', async (t) => {
    const context = await browser.newContext({ viewport: { width: 900, height: 720 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen = watch(page);
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(12).toString('base64url');
    const nonce = randomBytes(12).toString('base64url');
    const url = authorizeUrl(server.issuer, { client_id: CLIENT_ID, response_type: 'code', scope: 'openid profile email', redirect_uri: callback.redirectUri, state, nonce, code_challenge: challenge, code_challenge_method: 'S256' });

    // The login page, reached through the 303 from the authorization endpoint.
    const loginResponse = await page.goto(url);
    assert.ok(loginResponse);
    assert.equal(loginResponse.status(), 200);
    assert.ok(page.url().startsWith(`${server.issuer}/v1/interaction/`), page.url());
    const headers = loginResponse.headers();
    assert.match(headers['content-security-policy'] ?? '', /default-src 'none'/);
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.equal(await page.title(), 'Sign in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.match(await page.locator('main').innerText(), new RegExp(`to continue to ${CLIENT_NAME} with your acme account`));
    const username = page.getByLabel('Username');
    const password = page.getByLabel('Password');
    assert.equal(await username.getAttribute('type'), 'text');
    assert.equal(await username.getAttribute('autocomplete'), 'username');
    assert.equal(await password.getAttribute('type'), 'password');
    assert.equal(await password.getAttribute('autocomplete'), 'current-password');
    assert.equal(await focusedId(page), 'username', 'the username field has the focus');
    assert.equal(await page.locator('script, link[rel=stylesheet], img, iframe').count(), 0);
    // The stylesheet is inline with a CSP nonce: it must have been applied (#f3f5f8 page background).
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(243, 245, 248)');
    await screenshot(t, page, '1-login');

    // A wrong password: an error, the username kept, the focus on the password.
    await username.fill('alice');
    await password.fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').innerText(), 'The username or password is incorrect.');
    assert.equal(await page.getByLabel('Username').inputValue(), 'alice');
    assert.equal(await page.getByLabel('Password').inputValue(), '');
    assert.equal(await focusedId(page), 'password');
    await screenshot(t, page, '2-login-error');

    // The right password: the consent page (after a 303, so a reload does not resubmit the password).
    await page.getByLabel('Password').fill(ALICE_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    assert.equal(await page.title(), 'Allow access?');
    const consentText = await page.locator('main').innerText();
    assert.match(consentText, new RegExp(`${CLIENT_NAME}\\s+wants to use your account\\s+alice`));
    assert.deepEqual(await page.locator('ul.scopes li').allInnerTexts(), ['Sign you in with your account', 'See your name and basic profile', 'See your email address']);
    assert.equal(await page.getByRole('button', { name: 'Deny' }).count(), 1);
    assert.equal(await focusedId(page), 'Allow', 'Allow has the focus');
    await screenshot(t, page, '3-consent');

    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.origin === callback.origin && u.pathname === '/cb');
    const landed = new URL(page.url());
    const code = landed.searchParams.get('code');
    assert.ok(code && code.length >= 43);
    assert.equal(landed.searchParams.get('state'), state);
    assert.equal(landed.searchParams.get('iss'), server.issuer);
    assert.equal(callback.received.at(-1)?.href, landed.href, 'the callback server received the same response');
    assert.equal(await page.getByRole('heading', { name: 'Callback received' }).count(), 1);

    // Only Tessera and the callback were contacted: no external resources, no CSP violations.
    const origins = new Set(seen.requests.map((r) => new URL(r).origin));
    assert.deepEqual([...origins].sort(), [callback.origin, server.base].sort(), seen.requests.join('\n'));
    // Console errors: none but the 401 status of the wrong-password page (a CSP violation would be listed here).
    const interactionPath = new URL(seen.requests[1]!).pathname;
    assert.deepEqual(seen.consoleErrors, [`Failed to load resource: the server responded with a status of 401 (Unauthorized) @ ${interactionPath}`]);

    const cookies = await context.cookies(server.base + '/oauth2/community/acme/');
    const session = cookies.find((c) => c.name === 'tessera_session');
    assert.ok(session, 'the SSO session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.path, '/oauth2/community/acme/');

    const res = await postForm(`${server.issuer}/v1/token`, { grant_type: 'authorization_code', code, redirect_uri: callback.redirectUri, code_verifier: verifier }, { authorization: basic(CLIENT_ID, WEB_SECRET) });
    assert.equal(res.status, 200);
    const tokens = (await res.json()) as { access_token: string; id_token: string; token_type: string; refresh_token?: string };
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.refresh_token, undefined);
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/v1/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, jwks, { issuer: server.issuer, audience: CLIENT_ID, algorithms: ['RS256'] });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.nonce, nonce);
    assert.equal(typeof payload.auth_time, 'number');
    assert.ok(payload.sid);
    const digest = createHash('sha256').update(tokens.access_token).digest();
    assert.equal(payload.at_hash, digest.subarray(0, 16).toString('base64url'));

    // Same browser, new request: SSO and the remembered consent go straight back to the client.
    const again = pkcePair();
    await page.goto(authorizeUrl(server.issuer, { client_id: CLIENT_ID, response_type: 'code', scope: 'openid email', redirect_uri: callback.redirectUri, state: 'second', code_challenge: again.challenge, code_challenge_method: 'S256' }));
    const second = new URL(page.url());
    assert.equal(`${second.origin}${second.pathname}`, callback.redirectUri);
    assert.ok(second.searchParams.get('code'));
    assert.equal(second.searchParams.get('state'), 'second');
    await context.close();
  });

  it('deny on the consent page (phone-sized window) sends access_denied to the callback', async (t) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const { challenge } = pkcePair();
    await page.goto(authorizeUrl(server.issuer, { client_id: CLIENT_ID, response_type: 'code', scope: 'openid profile', redirect_uri: callback.redirectUri, state: 'deny-state', code_challenge: challenge, code_challenge_method: 'S256' }));
    await page.getByLabel('Username').fill('bob');
    await page.getByLabel('Password').fill('bob-password-1234');
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no horizontal scrolling on a phone');
    await screenshot(t, page, '4-consent-phone');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((u) => u.origin === callback.origin && u.pathname === '/cb');
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('error'), 'access_denied');
    assert.equal(landed.searchParams.get('state'), 'deny-state');
    assert.equal(landed.searchParams.get('iss'), server.issuer);
    assert.equal(landed.searchParams.get('code'), null);

    // Back to the finished interaction: an error page, not the consent form again.
    await page.goBack();
    assert.ok(page.url().startsWith(`${server.issuer}/v1/interaction/`), page.url());
    assert.equal(await page.getByRole('heading', { name: 'Allow access?' }).count(), 0);
    assert.match(await page.getByRole('alert').innerText(), /expired or was already completed/);
    await context.close();
  });
});
