/**
 * TOTP in a real headless Chromium (playwright-core): the user signs in with a password, opens the account's
 * security page, reads the manual key shown next to the inline-SVG QR code, confirms the enrolment with a code
 * computed by `otpauth`, sees ten recovery codes; then, in a fresh browser, signs in with the password and a code
 * and lands on the client's callback; the ID token says `otp` and `mfa`. No page loads anything from elsewhere and
 * no CSP violation is reported.
 *
 * Needs Chromium (see test/support/chromium.ts); never skipped silently.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ALICE_PASSWORD, WEB_SECRET, fixture, postForm, startServer, type TestServer } from '../support/server.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { launchChromium, screenshots, startCallbackServer, watch, type CallbackServer } from '../support/chromium.js';
import { totpAt } from '../support/mfa.js';

const CLIENT_ID = 'first-party';

describe('headless Chromium: TOTP enrolment on the account page, then password + code', () => {
  let server: TestServer;
  let callback: CallbackServer;
  let browser: Browser;
  const shots = screenshots();
  /** alice's TOTP key and an unused recovery code, from the first test (the second one signs in with them). */
  const SECRET = { key: '', recoveryCode: '' };

  before(async () => {
    browser = await launchChromium();
    callback = await startCallbackServer();
    server = await startServer({ provisioning: fixture(callback.redirectUri) });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await callback?.close();
    shots.cleanup();
  });

  const authorize = (challenge: string, extra: Record<string, string> = {}) =>
    authorizeUrl(server.issuer, { client_id: CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: callback.redirectUri, state: 'browser-state', nonce: 'browser-nonce', code_challenge: challenge, code_challenge_method: 'S256', ...extra });

  const signInWithPassword = async (page: Page) => {
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(ALICE_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  it('enrols TOTP by reading the manual key, then signs in with password and code', async (t) => {
    // 1. A first sign-in (no second factor yet) gives the browser its SSO session.
    const enrolContext = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const page = await enrolContext.newPage();
    page.setDefaultTimeout(15_000);
    const seen = watch(page);
    await page.goto(authorize(pkcePair().challenge));
    await signInWithPassword(page);
    await page.waitForURL((u) => u.href.startsWith(callback.redirectUri));

    // 2. The security page: a QR code (inline SVG) and the key for manual entry.
    const response = await page.goto(`${server.issuer}/v1/account/security`);
    assert.equal(response?.status(), 200);
    assert.match(response?.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    const qr = page.locator('.qr svg');
    assert.equal(await qr.count(), 1);
    const box = await qr.boundingBox();
    assert.ok(box && box.width >= 150 && box.height >= 150, `QR code rendered at a scannable size: ${JSON.stringify(box)}`);
    const shownKey = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
    assert.match(shownKey, /^[A-Z2-7]{32}$/);
    await shots.take(t, page, 'totp-enrol');
    await page.getByLabel('Code', { exact: true }).fill(totpAt(shownKey, server.clock.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    assert.equal(await page.locator('code.recovery-code').count(), 10);
    SECRET.key = shownKey;
    SECRET.recoveryCode = await page.locator('code.recovery-code').first().innerText();
    await shots.take(t, page, 'totp-recovery-codes');
    await page.getByRole('link', { name: 'Back to security settings' }).click();
    await page.getByText('Authenticator app: on.').waitFor();
    assert.deepEqual(seen.consoleErrors, []);
    assert.deepEqual([...new Set(seen.requests.map((r) => new URL(r).origin))].sort(), [callback.origin, server.base].sort(), 'nothing loaded from elsewhere');
    await enrolContext.close();

    // 3. A fresh browser: password, then the code from the app.
    server.clock.advance(30);
    const context = await browser.newContext({ viewport: { width: 900, height: 720 } });
    const signIn = await context.newPage();
    signIn.setDefaultTimeout(15_000);
    const seenSignIn = watch(signIn);
    const { verifier, challenge } = pkcePair();
    await signIn.goto(authorize(challenge));
    await signInWithPassword(signIn);
    await signIn.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    assert.equal(await signIn.getByLabel('Password').count(), 0);
    await signIn.getByLabel('Code', { exact: true }).fill('000000' === totpAt(shownKey, server.clock.now()) ? '111111' : '000000');
    await signIn.getByRole('button', { name: 'Verify' }).click();
    await signIn.getByRole('alert').filter({ hasText: 'That code is not valid' }).waitFor();
    await shots.take(t, signIn, 'totp-wrong-code');
    await signIn.getByLabel('Code', { exact: true }).fill(totpAt(shownKey, server.clock.now()));
    await signIn.getByRole('button', { name: 'Verify' }).click();
    await signIn.waitForURL((u) => u.href.startsWith(callback.redirectUri));
    const landed = new URL(signIn.url());
    assert.equal(landed.searchParams.get('state'), 'browser-state');
    // The wrong code's page answered 401 (Chromium reports that); nothing else, no CSP violation.
    assert.deepEqual(seenSignIn.consoleErrors.filter((e) => !/status of 401/.test(e)), []);
    await context.close();

    const res = await postForm(`${server.issuer}/v1/token`, {
      grant_type: 'authorization_code',
      code: landed.searchParams.get('code')!,
      redirect_uri: callback.redirectUri,
      code_verifier: verifier,
      client_id: CLIENT_ID,
      client_secret: WEB_SECRET,
    });
    assert.equal(res.status, 200);
    const { id_token } = (await res.json()) as { id_token: string };
    const { payload } = await jwtVerify(id_token, createRemoteJWKSet(new URL(`${server.issuer}/v1/jwks`)), { issuer: server.issuer, audience: CLIENT_ID });
    assert.deepEqual(payload.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(payload.acr, 'urn:tessera:acr:mfa');
  });

  it('the second step and the recovery-code form in German (ui_locales=de), then on to the client', async (t) => {
    // alice has TOTP since the previous test.
    server.clock.advance(30);
    const context = await browser.newContext({ viewport: { width: 900, height: 720 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen = watch(page);
    await page.goto(authorize(pkcePair().challenge, { ui_locales: 'de' }));
    await page.getByLabel('Benutzername').fill('alice');
    await page.getByLabel('Passwort').fill(ALICE_PASSWORD);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { name: 'Bestätigung in zwei Schritten' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.equal(await page.title(), 'Bestätigung in zwei Schritten');
    await page.getByText('Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Bestätigen' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Abbrechen' }).count(), 1);
    assert.equal(await page.getByText('Two-step verification').count(), 0, 'no English left on the page');
    await shots.take(t, page, 'totp-second-step-de');
    await page.getByLabel('Code', { exact: true }).fill('000000' === totpAt(SECRET.key, server.clock.now()) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Bestätigen' }).click();
    await page.getByRole('alert').filter({ hasText: 'Dieser Code ist ungültig' }).waitFor();
    await page.getByRole('link', { name: 'Stattdessen einen Wiederherstellungscode verwenden' }).click();
    await page.getByLabel('Wiederherstellungscode').waitFor();
    await page.getByText('Geben Sie einen Ihrer Wiederherstellungscodes ein. Jeder Code gilt nur einmal.').waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    await page.getByLabel('Wiederherstellungscode').fill(SECRET.recoveryCode);
    await page.getByRole('button', { name: 'Bestätigen' }).click();
    await page.waitForURL((u) => u.href.startsWith(callback.redirectUri));
    assert.deepEqual(seen.consoleErrors.filter((e) => !/status of 401/.test(e)), []);
    await context.close();
  });
});
