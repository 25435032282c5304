/**
 * Identity brokering in a real headless Chromium: the acme login page shows "Continue with Partner Co"; clicking it
 * goes to community `partner` of the same server (the upstream), where the user signs in by label; the browser comes
 * back through acme's upstream callback and lands on the client's callback server with a code whose ID token says
 * amr ["fed"] and acr "idp:partner". Needs Chromium (see browser.test.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { WEB_SECRET, postForm, startServer, type TestServer } from '../support/server.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { CAROL, brokeringFixture } from '../support/upstream.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('headless Chromium through an upstream identity provider', () => {
  let server: TestServer;
  let browser: Browser;
  let callbackServer: Server;
  let redirectUri = '';
  let shots = '';

  before(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install chromium or set CHROMIUM_PATH`);
    shots = process.env.TESSERA_SCREENSHOT_DIR || mkdtempSync(path.join(tmpdir(), 'tessera-screenshots-'));
    callbackServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>Callback</title><h1>Callback received</h1>');
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/cb`;
    server = await startServer({ provisioning: (base) => brokeringFixture(base, { redirectUri }) });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await new Promise<void>((resolve) => (callbackServer ? callbackServer.close(() => resolve()) : resolve()));
    if (!process.env.TESSERA_SCREENSHOT_DIR && shots) rmSync(shots, { recursive: true, force: true });
  });

  it('clicks "Continue with Partner Co", signs in upstream and reaches the client callback', async (t) => {
    const context = await browser.newContext({ viewport: { width: 900, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const { verifier, challenge } = pkcePair();
    const state = randomBytes(12).toString('base64url');
    const nonce = randomBytes(12).toString('base64url');
    await page.goto(authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid profile email', redirect_uri: redirectUri, state, nonce, code_challenge: challenge, code_challenge_method: 'S256' }));

    // acme's login page: the password form and one button per upstream.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.ok(page.url().startsWith(`${server.issuer}/v1/interaction/`), page.url());
    const partnerButton = page.getByRole('button', { name: 'Continue with Partner Co' });
    assert.equal(await partnerButton.count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Continue with partner-none' }).count(), 1);
    assert.equal(await page.getByLabel('Username').count(), 1, 'the password login is still offered');
    const file = path.join(shots, 'upstream-1-login-buttons.png');
    await page.screenshot({ path: file, fullPage: true });
    t.diagnostic(`screenshot: ${file}`);
    await partnerButton.click();

    // The upstream (community partner) asks for its own credentials.
    await page.waitForURL((u) => u.pathname.startsWith('/oauth2/community/partner/v1/interaction/'));
    assert.match(await page.locator('main').innerText(), /with your partner account/);
    await page.getByLabel('Username').fill(CAROL.username);
    await page.getByLabel('Password').fill(CAROL.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Back through acme's upstream callback to the client (first-party skips consent).
    await page.waitForURL((u) => `${u.origin}${u.pathname}` === redirectUri);
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('state'), state);
    assert.equal(landed.searchParams.get('iss'), server.issuer);
    const code = landed.searchParams.get('code');
    assert.ok(code);
    assert.ok(requests.some((r) => r.startsWith(`${server.issuer}/v1/upstream/callback?`)), 'went through the upstream callback');
    const cookies = await context.cookies(`${server.issuer}/v1/upstream/callback`);
    assert.equal(cookies.find((c) => c.name === 'tessera_upstream'), undefined, 'the binding cookie is cleared after use');

    const res = await postForm(`${server.issuer}/v1/token`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: 'first-party', client_secret: WEB_SECRET });
    assert.equal(res.status, 200);
    const tokens = (await res.json()) as { id_token: string };
    const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${server.issuer}/v1/jwks`)), { issuer: server.issuer, audience: 'first-party' });
    assert.deepEqual(payload.amr, ['fed']);
    assert.equal(payload.acr, 'idp:partner');
    assert.equal(payload.nonce, nonce);
    const user = await server.provider.db.selectFrom('users').selectAll().where('id', '=', payload.sub!).executeTakeFirstOrThrow();
    assert.equal(user.username, 'carol');
    assert.equal(JSON.parse(user.claims).email, 'carol@partner.example');
    await context.close();
  });
});
