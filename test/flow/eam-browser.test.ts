/**
 * Entra EAM in a real headless Chromium: a page of the fake Entra auto-submits the EAM form to Tessera's authorize
 * endpoint; Tessera shows who is signing in and asks for the second factor; its form_post lands on the fake Entra's
 * `…/common/federation/externalauthprovider`, which records what arrived. Needs Chromium (test/support/chromium.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startServer, type TestServer } from '../support/server.js';
import { launchChromium, screenshots, watch } from '../support/chromium.js';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra.js';
import { decodeJwt } from 'jose';
import { totpAt } from '../support/mfa.js';
import { ALICE_OID, APP_ID, TENANT, eamProvisioning, entraForm } from '../support/eam.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const crossSite = (url: string) => url.replace('//127.0.0.1:', '//localhost:');

describe('headless Chromium: Entra external authentication', () => {
  let entra: FakeEntra;
  let server: TestServer;
  let browser: Browser;
  const shots = screenshots();

  before(async () => {
    entra = await startFakeEntra();
    server = await startServer({ provisioning: eamProvisioning({ metadataUrl: entra.metadataUrl, redirectUri: entra.callbackUrl, alice: { totp_secret: SECRET } }) });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await entra?.close();
    shots.cleanup();
  });

  const entraPage = async () => {
    const hint = await entra.hint({ tid: TENANT, aud: APP_ID, now: server.clock.now(), claims: { oid: ALICE_OID, sub: 'pairwise-alice' } });
    // Entra's page is another site than Tessera (127.0.0.1 vs localhost), as in real life: the POST is cross-site.
    return entra.formPage(`${crossSite(server.issuer)}/v1/authorize`, entraForm(hint, { redirect_uri: entra.callbackUrl }));
  };

  it('cancelling on Tessera’s page form-POSTs access_denied and the state back to Entra', async (t) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen = watch(page);
    await page.goto(await entraPage());
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    assert.ok(page.url().startsWith(`${crossSite(server.issuer)}/v1/interaction/`), page.url());
    assert.match(await page.locator('main').innerText(), /alice/);
    await shots.take(t, page, 'eam-1-confirm');
    const before = entra.responses.length;
    await page.getByRole('button', { name: 'Cancel and return' }).click();
    await page.getByRole('heading', { name: 'Entra received the answer' }).waitFor();
    const answer = entra.responses[before]!;
    assert.equal(answer.error, 'access_denied');
    assert.equal(answer.state, 'state-from-entra');
    assert.equal(answer.id_token, undefined);
    assert.deepEqual(seen.consoleErrors, []);
    await context.close();
  });

  it('a TOTP code on Tessera’s page form-POSTs an ID token with acr and amr [otp] to Entra', async (t) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const seen = watch(page);
    await page.goto(await entraPage());
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByLabel('Code from your authenticator app').fill(totpAt(SECRET, server.clock.now()));
    await shots.take(t, page, 'eam-2-code');
    const before = entra.responses.length;
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Entra received the answer' }).waitFor();
    const answer = entra.responses[before]!;
    assert.equal(answer.error, undefined);
    assert.equal(answer.state, 'state-from-entra');
    const claims = decodeJwt(answer.id_token!);
    assert.equal(claims.iss, server.issuer);
    assert.equal(claims.aud, APP_ID);
    assert.equal(claims.sub, 'pairwise-alice');
    assert.equal(claims.nonce, 'nonce-from-entra');
    assert.equal(claims.acr, 'possessionorinherence');
    assert.deepEqual(claims.amr, ['otp']);
    assert.deepEqual(seen.consoleErrors, []);
    await context.close();
  });
});
