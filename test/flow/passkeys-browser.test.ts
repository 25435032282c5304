/**
 * Passkeys in a real headless Chromium with the DevTools protocol's virtual authenticator (CTAP2, internal transport,
 * user verification): register two passkeys on the account page, rename one and remove the other, then sign in with
 * password + passkey and find `hwk` and `fido` in the ID token's `amr`.
 *
 * WebAuthn needs a secure context and a domain as rpID: the issuer is http://localhost:PORT (a potentially
 * trustworthy origin) while the server listens on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ALICE_PASSWORD, WEB_SECRET, basic, fixture, postForm, startServer, type TestServer } from '../support/server.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { launchChromium, screenshots, startCallbackServer, watch, type CallbackServer } from '../support/chromium.js';

const CLIENT_ID = 'notes';

function provisioning(redirectUri: string): Record<string, unknown> {
  const doc = fixture(redirectUri) as { communities: { clients: Record<string, unknown>[] }[] };
  doc.communities[0]!.clients.push({
    client_id: CLIENT_ID,
    client_name: 'Acme Notes',
    client_secret: WEB_SECRET,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile email',
  });
  return doc;
}

async function addAuthenticator(cdp: CDPSession): Promise<string> {
  const { authenticatorId } = (await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  })) as { authenticatorId: string };
  return authenticatorId;
}

describe('passkeys in headless Chromium (virtual authenticator)', () => {
  let server: TestServer;
  let callback: CallbackServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  const shots = screenshots();

  before(async () => {
    browser = await launchChromium();
    callback = await startCallbackServer();
    server = await startServer({ provisioning: provisioning(callback.redirectUri), publicHost: 'localhost' });
    context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await callback?.close();
    shots.cleanup();
  });

  async function authorize(state: string, extra: Record<string, string> = {}) {
    const pkce = pkcePair();
    const nonce = randomBytes(12).toString('base64url');
    await page.goto(authorizeUrl(server.issuer, { client_id: CLIENT_ID, response_type: 'code', scope: 'openid profile', redirect_uri: callback.redirectUri, state, nonce, code_challenge: pkce.challenge, code_challenge_method: 'S256', ...extra }));
    return { ...pkce, nonce };
  }

  async function signInWithPassword() {
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(ALICE_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const passkeyNames = () => page.locator('li.passkey input[name=name]').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));

  it('registers two passkeys, renames one, removes the other, then signs in with password + passkey (amr in the ID token)', async (t) => {
    const seen = watch(page);
    assert.ok(server.issuer.startsWith('http://localhost:'), server.issuer);

    // A first sign-in with the password alone (alice has no passkey yet): consent, then the callback.
    await authorize('first');
    await signInWithPassword();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.origin === callback.origin);

    // The account page: no passkeys yet; the browser script is Tessera's own, cached for long.
    const accountUrl = `${server.issuer}/v1/account/passkeys`;
    const account = await page.goto(accountUrl);
    assert.equal(account?.status(), 200);
    assert.match(account?.headers()['content-security-policy'] ?? '', /script-src 'nonce-[^']+'/);
    assert.match(await page.locator('main').innerText(), /You have no passkeys yet/);
    const scriptUrl = seen.requests.find((r) => r.includes('/v1/assets/webauthn.js'));
    assert.ok(scriptUrl, 'the page loaded the WebAuthn script');
    const script = await page.request.get(scriptUrl);
    assert.equal(script.headers()['content-type'], 'text/javascript; charset=utf-8');
    assert.match(script.headers()['cache-control'] ?? '', /max-age=31536000/);

    // First passkey on authenticator A.
    const authenticatorA = await addAuthenticator(cdp);
    await page.getByLabel('Name', { exact: true }).last().fill('Laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForFunction(() => document.querySelectorAll('li.passkey').length === 1);
    assert.deepEqual(await passkeyNames(), ['Laptop']);
    const onA = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticatorA })) as { credentials: { credentialId: string; signCount: number }[] };
    assert.equal(onA.credentials.length, 1);

    // Second passkey on authenticator B (A is removed: it holds an excluded credential, so Chromium would refuse).
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: authenticatorA });
    const authenticatorB = await addAuthenticator(cdp);
    server.clock.advance(1); // listed by creation time

    await page.getByLabel('Name', { exact: true }).last().fill('Phone');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForFunction(() => document.querySelectorAll('li.passkey').length === 2);
    assert.deepEqual(await passkeyNames(), ['Laptop', 'Phone']);
    assert.match(await page.locator('li.passkey').nth(1).innerText(), /never used/);
    await shots.take(t, page, 'passkeys-1-two');

    // Rename the second, remove the first.
    await page.locator('li.passkey').nth(1).locator('input[name=name]').fill('Work phone');
    await page.locator('li.passkey').nth(1).getByRole('button', { name: 'Rename' }).click();
    await page.waitForFunction(() => (document.querySelectorAll('li.passkey input[name=name]')[1] as HTMLInputElement | undefined)?.value === 'Work phone');
    await page.locator('li.passkey').nth(0).getByRole('button', { name: 'Remove' }).click();
    await page.waitForFunction(() => document.querySelectorAll('li.passkey').length === 1);
    assert.deepEqual(await passkeyNames(), ['Work phone']);

    // Sign in again (prompt=login): password, then the passkey step, then straight to the client (consent remembered).
    const { verifier, nonce } = await authorize('second', { prompt: 'login' });
    await signInWithPassword();
    await page.getByRole('heading', { name: 'Use your passkey' }).waitFor();
    assert.ok(page.url().endsWith('/passkey'), page.url());
    await shots.take(t, page, 'passkeys-2-step');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL((u) => u.origin === callback.origin && u.pathname === '/cb');
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('state'), 'second');
    const code = landed.searchParams.get('code');
    assert.ok(code);
    const res = await postForm(`${server.issuer}/v1/token`, { grant_type: 'authorization_code', code, redirect_uri: callback.redirectUri, code_verifier: verifier }, { authorization: basic(CLIENT_ID, WEB_SECRET) });
    assert.equal(res.status, 200);
    const tokens = (await res.json()) as { id_token: string };
    const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${server.issuer}/v1/jwks`)), { issuer: server.issuer, audience: CLIENT_ID });
    assert.equal(payload.nonce, nonce);
    assert.deepEqual(payload.amr, ['pwd', 'hwk', 'fido', 'mfa']);

    // The authenticator signed with the remaining passkey; the account page shows it as used.
    const onB = (await cdp.send('WebAuthn.getCredentials', { authenticatorId: authenticatorB })) as { credentials: { signCount: number }[] };
    assert.equal(onB.credentials.length, 1);
    assert.ok(onB.credentials[0]!.signCount >= 1);
    await page.goto(accountUrl);
    assert.match(await page.locator('li.passkey').innerText(), /last used/);

    // No external resources and no CSP violations.
    const origins = new Set(seen.requests.map((r) => new URL(r).origin));
    assert.deepEqual([...origins].sort(), [callback.origin, server.base].sort(), seen.requests.join('\n'));
    assert.deepEqual(seen.consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e)), []);
  });
});
