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
import { newCredential } from '../support/soft-authenticator.js';
import { findUserByUsername } from '../../src/store/users.js';
import { insertCredential } from '../../src/store/webauthn-credentials.js';
import { totpAt } from '../support/mfa.js';
import { ALICE_OID, APP_ID, TENANT, eamProvisioning, entraForm } from '../support/eam.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const crossSite = (url: string) => url.replace('//127.0.0.1:', '//localhost:');

/** What Tessera form-POSTed to Entra: an ID token for alice's Entra identity with the one method used. */
function expectIdTokenForEntra(answer: { error?: string; state?: string; id_token?: string }, issuer: string, amr: string[]): void {
  assert.equal(answer.error, undefined);
  assert.equal(answer.state, 'state-from-entra');
  const claims = decodeJwt(answer.id_token!);
  assert.equal(claims.iss, issuer);
  assert.equal(claims.aud, APP_ID);
  assert.equal(claims.sub, 'pairwise-alice');
  assert.equal(claims.nonce, 'nonce-from-entra');
  assert.equal(claims.acr, 'possessionorinherence');
  assert.deepEqual(claims.amr, amr);
}

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
    expectIdTokenForEntra(entra.responses[before]!, server.issuer, ['otp']);
    assert.deepEqual(seen.consoleErrors, []);
    await context.close();
  });
});

describe('headless Chromium: a passkey as the EAM second factor (virtual authenticator)', () => {
  let entra: FakeEntra;
  let server: TestServer;
  let browser: Browser;
  const shots = screenshots();

  before(async () => {
    entra = await startFakeEntra();
    // WebAuthn needs a domain as relying party: Tessera's issuer is on localhost, Entra's page on 127.0.0.1.
    server = await startServer({ provisioning: eamProvisioning({ metadataUrl: entra.metadataUrl, redirectUri: entra.callbackUrl }), publicHost: 'localhost' });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await entra?.close();
    shots.cleanup();
  });

  it('the passkey step of the EAM interaction form-POSTs an ID token with amr [hwk] to Entra', async (t) => {
    // Alice's passkey: the same key in Tessera's database and in Chromium's virtual authenticator.
    const credential = newCredential(false);
    const community = await server.provider.registry.get('acme');
    const alice = await findUserByUsername(server.provider.db, community!.id, 'alice');
    await insertCredential(server.provider.db, {
      id: credential.id.toString('base64url'),
      community_id: community!.id,
      user_id: alice!.id,
      name: 'Laptop',
      public_key: Buffer.from(credential.cose).toString('base64url'),
      counter: 0,
      transports: '["internal"]',
      backed_up: 0,
      created_at: server.clock.now(),
      last_used_at: null,
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = (await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    })) as { authenticatorId: string };
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: {
        credentialId: credential.id.toString('base64'),
        isResidentCredential: false,
        rpId: 'localhost',
        privateKey: (credential.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('base64'),
        signCount: 0,
      },
    });
    const seen = watch(page);
    const hint = await entra.hint({ tid: TENANT, aud: APP_ID, now: server.clock.now(), claims: { oid: ALICE_OID, sub: 'pairwise-alice' } });
    await page.goto(entra.formPage(`${server.issuer}/v1/authorize`, entraForm(hint, { redirect_uri: entra.callbackUrl })));
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    await page.getByRole('link', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'Use your passkey' }).waitFor();
    await shots.take(t, page, 'eam-3-passkey');
    const before = entra.responses.length;
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('heading', { name: 'Entra received the answer' }).waitFor();
    expectIdTokenForEntra(entra.responses[before]!, server.issuer, ['hwk']);
    assert.deepEqual(seen.consoleErrors, []);
    await context.close();
  });
});
