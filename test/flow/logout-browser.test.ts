/**
 * The session list, logout confirmation and signed-out pages in headless Chromium: the pages render with their
 * strict CSP, the front-channel iframe really loads in the browser (with iss and sid), and the browser moves on to
 * the client's post-logout URI; "Sign out everywhere" ends the session.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { ALICE_PASSWORD, fixtureWithNotes, startServer, type TestServer } from '../support/server.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { launchChromium, screenshots, startCallbackServer, watch, type CallbackServer } from '../support/chromium.js';

describe('headless Chromium through the session list and logout pages', () => {
  let server: TestServer;
  let rp: CallbackServer;
  let browser: Browser;
  const shots = screenshots();

  before(async () => {
    browser = await launchChromium();
    rp = await startCallbackServer();
    server = await startServer({ provisioning: fixtureWithNotes(rp.redirectUri, {
      post_logout_redirect_uris: [`${rp.origin}/bye`],
      frontchannel_logout_uri: `${rp.origin}/front`,
      frontchannel_logout_session_required: true,
      scope: 'openid profile',
      skip_consent: true,
    }) });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await rp?.close();
    shots.cleanup();
  });

  async function signIn(page: Page): Promise<void> {
    const { challenge } = pkcePair();
    await page.goto(authorizeUrl(server.issuer, { client_id: 'notes', response_type: 'code', scope: 'openid', redirect_uri: rp.redirectUri, state: 's', code_challenge: challenge, code_challenge_method: 'S256' }));
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(ALICE_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.origin === rp.origin && u.pathname === '/cb');
  }

  it('lists the session and its app, and signs out everywhere through the front-channel iframe', async (t) => {
    const context = await browser.newContext({ viewport: { width: 900, height: 720 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen = watch(page);
    await signIn(page);

    const response = await page.goto(`${server.issuer}/v1/sessions`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'Your sessions');
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
    assert.match(await page.locator('main').innerText(), /signed in to acme as alice in one place/);
    assert.deepEqual(await page.locator('li.session ul li').allInnerTexts(), ['Acme Notes']);
    await shots.take(t, page, 'sessions');

    rp.received.length = 0;
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await page.getByRole('heading', { name: 'You are signed out' }).waitFor();
    await page.waitForFunction(() => document.querySelector('iframe') !== null);
    const front = await waitForRequest(rp, '/front');
    assert.equal(front.searchParams.get('iss'), server.issuer);
    assert.ok(front.searchParams.get('sid'));
    assert.deepEqual(seen.consoleErrors, [], 'no CSP violation: the iframe origin is allowed');
    await shots.take(t, page, 'signed-out');

    await page.goto(`${server.issuer}/v1/sessions`);
    await page.getByRole('heading', { name: 'You are not signed in' }).waitFor();
    await context.close();
  });

  it('RP-initiated logout: confirm, the iframe loads, then the browser lands on the post-logout URI with state', async (t) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await signIn(page);
    rp.received.length = 0;
    await page.goto(`${server.issuer}/v1/logout?client_id=notes&post_logout_redirect_uri=${encodeURIComponent(`${rp.origin}/bye`)}&state=later`);
    await page.getByRole('heading', { name: 'Sign out?' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0, 'fits a phone');
    await shots.take(t, page, 'logout-confirm');
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL((u) => u.origin === rp.origin && u.pathname === '/bye', { timeout: 10_000 });
    assert.equal(new URL(page.url()).searchParams.get('state'), 'later');
    assert.ok(rp.received.some((u) => u.pathname === '/front'), 'the front-channel iframe loaded before moving on');
    await context.close();
  });
});

async function waitForRequest(rp: CallbackServer, pathname: string): Promise<URL> {
  for (let i = 0; i < 100; i++) {
    const hit = rp.received.find((u) => u.pathname === pathname);
    if (hit) return hit;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${pathname} was never requested`);
}
