/**
 * response_mode=form_post in a real headless Chromium (playwright-core): after the login form, Tessera's form_post
 * page submits itself to a relying party's callback server on 127.0.0.1, which receives the POSTed `code`,
 * `id_token`, `state` and `iss`; the page's inline script runs under its nonce CSP with no violation reported.
 * With JavaScript off the page shows a Continue button that sends the same form.
 *
 * Needs Chromium (see test/support/chromium.ts); never skipped silently. Screenshots stay out of git.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ALICE_PASSWORD, WEB_SECRET, fixture, startServer, type TestServer } from '../support/server.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { launchChromium, screenshots, watch } from '../support/chromium.js';

const halfSha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest().subarray(0, 16).toString('base64url');

interface Posted {
  method: string;
  path: string;
  contentType: string;
  body: URLSearchParams;
}

/** A relying party whose /cb accepts the form_post (and records method, type and body). */
async function startFormPostCallback(): Promise<{ origin: string; redirectUri: string; posted: Posted[]; close(): Promise<void> }> {
  const posted: Posted[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      if (path === '/cb') posted.push({ method: request.method ?? '', path, contentType: request.headers['content-type'] ?? '', body: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
      response.writeHead(path === '/cb' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end('<!doctype html><title>Callback</title><h1>Callback received</h1>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, redirectUri: `${origin}/cb`, posted, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('form_post in headless Chromium', () => {
  let server: TestServer;
  let callback: Awaited<ReturnType<typeof startFormPostCallback>>;
  let browser: Browser;
  const shots = screenshots();

  before(async () => {
    browser = await launchChromium();
    callback = await startFormPostCallback();
    const doc = fixture(callback.redirectUri) as { communities: { clients: Record<string, unknown>[] }[] };
    doc.communities[0]!.clients.push({
      client_id: 'hybrid',
      client_name: 'Hybrid App',
      client_secret: WEB_SECRET,
      redirect_uris: [callback.redirectUri],
      grant_types: ['authorization_code', 'implicit'],
      response_types: ['code', 'code id_token', 'id_token'],
      scope: 'openid email',
      skip_consent: true,
    });
    server = await startServer({ provisioning: doc });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await callback?.close();
    shots.cleanup();
  });

  async function signIn(page: Page): Promise<void> {
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(ALICE_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('code id_token: the page auto-submits to the callback, which receives code, id_token, state and iss by POST', async (t) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen = watch(page);
    const formPostHeaders: Record<string, string>[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/v1/interaction/') && response.request().method() === 'POST') formPostHeaders.push(response.headers());
    });
    const state = randomBytes(12).toString('base64url');
    const nonce = randomBytes(12).toString('base64url');
    const url = authorizeUrl(server.issuer, { client_id: 'hybrid', response_type: 'code id_token', response_mode: 'form_post', scope: 'openid email', redirect_uri: callback.redirectUri, state, nonce, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    await page.goto(url);
    await signIn(page);
    await page.waitForURL(callback.redirectUri);
    await page.getByRole('heading', { name: 'Callback received' }).waitFor();
    await shots.take(t, page, 'form-post-landed');

    assert.equal(callback.posted.length, 1);
    const [post] = callback.posted;
    assert.equal(post!.method, 'POST');
    assert.match(post!.contentType, /^application\/x-www-form-urlencoded/);
    assert.equal(post!.body.get('state'), state);
    assert.equal(post!.body.get('iss'), server.issuer);
    const code = post!.body.get('code');
    assert.ok(code && code.length >= 43);
    const { payload } = await jwtVerify(post!.body.get('id_token')!, createRemoteJWKSet(new URL(`${server.issuer}/v1/jwks`)), { issuer: server.issuer, audience: 'hybrid' });
    assert.equal(payload.nonce, nonce);
    assert.equal(payload.c_hash, halfSha256(code));
    assert.equal(payload.s_hash, halfSha256(state));

    // The form_post page came with its nonce CSP; nothing was blocked and nothing external was loaded.
    const csp = formPostHeaders.at(-1)?.['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'nonce-[^']+'/);
    assert.match(csp, new RegExp(`form-action ${callback.origin.replace(/\./g, '\\.')}`));
    assert.deepEqual(seen.consoleErrors, [], seen.consoleErrors.join('\n'));
    const origins = new Set(seen.requests.map((r) => new URL(r).origin));
    assert.deepEqual([...origins].sort(), [callback.origin, server.base].sort());
    await context.close();
  });

  it('with JavaScript off, the Continue button sends the same form (id_token, SSO session reused)', async (t) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen = watch(page);
    const state = 'no-js';
    const nonce = randomBytes(12).toString('base64url');
    const before = callback.posted.length;
    await page.goto(authorizeUrl(server.issuer, { client_id: 'hybrid', response_type: 'id_token', response_mode: 'form_post', scope: 'openid email', redirect_uri: callback.redirectUri, state, nonce }));
    await signIn(page);
    const button = page.getByRole('button', { name: 'Continue' });
    await button.waitFor();
    assert.equal(callback.posted.length, before, 'nothing sent before the click');
    await shots.take(t, page, 'form-post-noscript');
    await button.click();
    await page.waitForURL(callback.redirectUri);
    const post = callback.posted.at(-1)!;
    assert.equal(post.body.get('state'), state);
    assert.equal(post.body.get('iss'), server.issuer);
    const { payload } = await jwtVerify(post.body.get('id_token')!, createRemoteJWKSet(new URL(`${server.issuer}/v1/jwks`)), { issuer: server.issuer, audience: 'hybrid' });
    assert.equal(payload.nonce, nonce);
    assert.equal(payload.email, 'alice@example.com');
    assert.deepEqual(seen.consoleErrors, []);
    await context.close();
  });
});
