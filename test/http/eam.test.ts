/**
 * Microsoft Entra external authentication (issue 7) over HTTP, against a fake Entra on 127.0.0.1 and a Tessera whose
 * public URL is https (Entra's rule): the authorize POST Entra's page makes, hint failures answered by form_post,
 * the interaction (who is signing in, the second factor, cancel, replay), the service-authenticated eam-context,
 * and discovery/JWKS as Entra reads them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, postForm, type TestServer } from '../support/server.js';
import { OTHER_LICENSE, SYSTEM_LICENSE, ServiceClient } from '../support/service-client.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra.js';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { totpAt } from '../support/mfa.js';
import { authenticationResponse, newCredential } from '../support/soft-authenticator.js';
import { findUserByUsername } from '../../src/store/users.js';
import { insertCredential } from '../../src/store/webauthn-credentials.js';
import { ACME_LICENSE, ALICE_OID, APP_ID, BOB_OID, ENTRA_CALLBACK, OTHER_TENANT, TENANT, UNREACHABLE_CLIENT, eamProvisioning, entraForm, formPost } from '../support/eam.js';

const PUBLIC_URL = 'https://tessera.example';

describe('Entra external authentication method', () => {
  let entra: FakeEntra;
  let server: TestServer;
  let service: ServiceClient;
  let authorizeUrl: string;
  let issuer: string;

  before(async () => {
    entra = await startFakeEntra();
    server = await startServer({
      provisioning: eamProvisioning({ metadataUrl: entra.metadataUrl }),
      env: { PUBLIC_URL, EAM_JWKS_REFETCH_COOLDOWN_MS: '0' },
    });
    service = new ServiceClient(server);
    authorizeUrl = `${server.base}/oauth2/community/acme/v1/authorize`;
    issuer = `${PUBLIC_URL}/oauth2/community/acme`;
  });
  after(async () => {
    await server.close();
    await entra.close();
  });

  const hint = (input: { tid?: string; aud?: string; age?: number; claims?: Record<string, unknown>; key?: 'current' | 'stranger'; alg?: 'RS256' | 'PS256' } = {}) =>
    entra.hint({ tid: input.tid ?? TENANT, aud: input.aud ?? APP_ID, now: server.clock.now(), claims: { oid: ALICE_OID, sub: 'pairwise-alice', ...input.claims }, ...(input.age !== undefined ? { age: input.age } : {}), ...(input.key ? { key: input.key } : {}), ...(input.alg ? { alg: input.alg } : {}) });

  /** Entra's page POSTs the form; the browser lands on the interaction page. */
  const start = async (browser: TestBrowser, form: Record<string, string>) => {
    const response = await browser.post(authorizeUrl, form);
    assert.equal(response.status, 303, await response.clone().text());
    const location = new URL(response.headers.get('location')!, server.base).href;
    assert.match(location, /\/oauth2\/community\/acme\/v1\/interaction\/[A-Za-z0-9_-]+$/);
    return { location, uid: location.split('/').at(-1)! };
  };

  /** A refused request: a form_post page back to Entra with error, error_description and state. */
  const refused = async (form: Record<string, string>, error: string, description?: RegExp) => {
    const response = await postForm(authorizeUrl, form);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const { action, fields } = formPost(await response.text());
    assert.equal(action, ENTRA_CALLBACK);
    assert.equal(fields.error, error);
    assert.equal(fields.state, form.state);
    assert.equal(fields.id_token, undefined);
    if (description) assert.match(fields.error_description ?? '', description);
  };

  it('discovery and JWKS meet Entra’s rules: https issuer, RS256, every JWK with x5c', async () => {
    const doc = (await (await fetch(`${server.base}/oauth2/community/acme/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(doc.issuer, issuer);
    assert.equal(doc.authorization_endpoint, `${issuer}/v1/authorize`);
    assert.ok((doc.id_token_signing_alg_values_supported as string[]).includes('RS256'));
    assert.ok((doc.scopes_supported as string[]).includes('openid'));
    assert.ok((doc.response_types_supported as string[]).includes('id_token'));
    assert.ok((doc.response_modes_supported as string[]).includes('form_post'));
    assert.ok(Array.isArray(doc.subject_types_supported));
    const jwks = (await (await fetch(`${server.base}/oauth2/community/acme/v1/jwks`)).json()) as { keys: Record<string, unknown>[] };
    assert.ok(jwks.keys.some((k) => k.alg === 'RS256'));
    for (const key of jwks.keys) assert.ok(Array.isArray(key.x5c) && key.x5c.length > 0, `kid ${String(key.kid)} has no x5c`);
  });

  it('a valid request starts an interaction that shows who is signing in; eam-context gives its oid and tid', async () => {
    const browser = new TestBrowser();
    const { location, uid } = await start(browser, entraForm(await hint(), { response_type: 'Id_token', ignored_parameter: 'x', login_hint: 'nobody' }));
    const page = await browser.get(location);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /alice/);
    assert.match(html, /alice@contoso\.example/);
    assert.doesNotMatch(html, new RegExp(ALICE_OID), 'the oid is never sent to the browser');
    const context = await service.call('GET', `/oauth2/community/acme/v1/interaction/${uid}/eam-context`, ACME_LICENSE);
    assert.equal(context.status, 200);
    assert.deepEqual(await context.json(), { oid: ALICE_OID, tid: TENANT });
    const system = await service.call('GET', `/oauth2/community/acme/v1/interaction/${uid}/eam-context`, SYSTEM_LICENSE);
    assert.equal(system.status, 200);
  });

  it('refuses a hint of another tenant, for another audience, with a foreign signature, PS256, or a stale iat', async () => {
    await refused(entraForm(await hint({ tid: OTHER_TENANT })), 'invalid_request', /tenant/);
    await refused(entraForm(await hint({ aud: 'ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee' })), 'invalid_request', /aud/);
    await refused(entraForm(await hint({ key: 'stranger' })), 'invalid_request', /signature/);
    await refused(entraForm(await hint({ alg: 'PS256' })), 'invalid_request', /RS256/);
    await refused(entraForm(await hint({ age: 601 })), 'invalid_request', /fresh/);
    await refused(entraForm('not-a-jwt'), 'invalid_request');
  });

  it('Entra’s metadata out of reach is temporarily_unavailable, not an error page or a hang', async () => {
    await refused(entraForm(await hint(), { client_id: UNREACHABLE_CLIENT }), 'temporarily_unavailable');
  });

  it('fetches Entra’s keys again for a kid it has not seen', async () => {
    await start(new TestBrowser(), entraForm(await hint()));
    const fetches = entra.jwksFetches();
    await entra.rotate();
    await start(new TestBrowser(), entraForm(await hint()));
    assert.equal(entra.jwksFetches(), fetches + 1);
  });

  it('refuses what the EAM contract does not allow, back to Entra by form_post', async () => {
    const good = await hint();
    await refused(entraForm(good, { response_type: 'code' }), 'unsupported_response_type');
    await refused(entraForm(good, { response_mode: 'query' }), 'invalid_request', /form_post/);
    await refused(entraForm(good, { scope: 'profile' }), 'invalid_request', /openid/);
    await refused(entraForm(good, { nonce: '' }), 'invalid_request', /nonce/);
    await refused(entraForm(good, { claims: 'not json' }), 'invalid_request', /claims/);
    await refused(entraForm(good, { claims: JSON.stringify({ id_token: { acr: { values: ['knowledge'] } } }) }), 'access_denied');
    await refused(entraForm(good, { claims: JSON.stringify({ id_token: { acr: { values: ['possession'] }, amr: { values: ['sms'] } } }) }), 'access_denied');
    await refused(entraForm(good, { id_token_hint: '' }), 'invalid_request', /id_token_hint/);
  });

  it('an Entra identity linked to nobody is refused (access_denied), and so is a username match the community does not allow', async () => {
    await refused(entraForm(await hint({ claims: { oid: BOB_OID } })), 'access_denied', /no account/);
    await refused(entraForm(await hint({ claims: { oid: BOB_OID, preferred_username: 'carol@contoso.example' } })), 'access_denied');
  });

  it('an untrusted client or redirect_uri gets an error page, never a form_post', async () => {
    const good = await hint();
    const wrongRedirect = await postForm(authorizeUrl, entraForm(good, { redirect_uri: 'https://attacker.example/cb' }));
    assert.equal(wrongRedirect.status, 400);
    assert.doesNotMatch(await wrongRedirect.text(), /attacker\.example/);
    const noRedirect = await postForm(authorizeUrl, entraForm(good, { redirect_uri: '' }));
    assert.equal(noRedirect.status, 400);
  });

  it('cancel answers access_denied by form_post, once: the interaction cannot be used again', async () => {
    const browser = new TestBrowser();
    const { location } = await start(browser, entraForm(await hint()));
    const form = hiddenInputs(await (await browser.get(location)).text());
    const cancelled = await browser.post(location, { csrf: form.csrf!, step: 'cancel' });
    assert.equal(cancelled.status, 200);
    const { action, fields } = formPost(await cancelled.text());
    assert.equal(action, ENTRA_CALLBACK);
    assert.deepEqual([fields.error, fields.state], ['access_denied', 'state-from-entra']);
    const again = await browser.post(location, { csrf: form.csrf!, step: 'cancel' });
    assert.equal(again.status, 400);
    assert.doesNotMatch(await again.text(), /<form[^>]*action=/);
  });

  it('the interaction is bound to the browser and its forms to the CSRF token', async () => {
    const browser = new TestBrowser();
    const { location } = await start(browser, entraForm(await hint()));
    const stranger = await new TestBrowser().get(location);
    assert.equal(stranger.status, 400);
    const forged = await browser.post(location, { csrf: 'forged', step: 'cancel' });
    assert.equal(forged.status, 400);
  });

  describe('eam-context', () => {
    let uid: string;
    before(async () => {
      ({ uid } = await start(new TestBrowser(), entraForm(await hint())));
    });
    const path = (community: string, id: string) => `/oauth2/community/${community}/v1/interaction/${id}/eam-context`;

    it('401 with WWW-Authenticate without credentials, with bad ones, and with the plain scheme', async () => {
      const none = await fetch(`${server.base}${path('acme', uid)}`);
      assert.equal(none.status, 401);
      assert.ok(none.headers.get('www-authenticate'));
      const headers = await service.headers(ACME_LICENSE);
      const bad = await fetch(`${server.base}${path('acme', uid)}`, { headers: { ...headers, licensekey: headers.requestid! } });
      assert.equal(bad.status, 401);
      assert.ok(bad.headers.get('www-authenticate'));
      const replayed = await fetch(`${server.base}${path('acme', uid)}`, { headers });
      assert.equal(replayed.status, 200, 'the first use of these headers');
      assert.equal((await fetch(`${server.base}${path('acme', uid)}`, { headers })).status, 401, 'a replayed requestid');
      const plain = await fetch(`${server.base}${path('acme', uid)}`, { headers: { license: ACME_LICENSE } });
      assert.equal(plain.status, 401);
    });

    it('404 for another community’s path or license, an unknown uid, a non-EAM interaction and a finished one', async () => {
      assert.equal((await service.call('GET', path('other', uid), SYSTEM_LICENSE)).status, 404);
      assert.equal((await service.call('GET', path('acme', uid), OTHER_LICENSE)).status, 404);
      assert.equal((await service.call('GET', path('acme', 'no-such-uid'), ACME_LICENSE)).status, 404);
      const code = await fetch(`${server.base}/oauth2/community/acme/v1/authorize?client_id=web&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('http://127.0.0.1:7777/cb')}&state=s`, { redirect: 'manual' });
      const plainUid = code.headers.get('location')!.split('/').at(-1)!;
      assert.equal((await service.call('GET', path('acme', plainUid), ACME_LICENSE)).status, 404);
      const browser = new TestBrowser();
      const started = await start(browser, entraForm(await hint()));
      const form = hiddenInputs(await (await browser.get(started.location)).text());
      await browser.post(started.location, { csrf: form.csrf!, step: 'cancel' });
      assert.equal((await service.call('GET', path('acme', started.uid), ACME_LICENSE)).status, 404);
    });
  });
});

describe('EAM provisioning and the first link by username', () => {
  let entra: FakeEntra;
  let server: TestServer;
  let file: Record<string, unknown>;
  const CAROL_OID = '0a0b0c0d-0000-4000-8000-0000000ca201';

  before(async () => {
    entra = await startFakeEntra();
    file = eamProvisioning({ metadataUrl: entra.metadataUrl, linkBy: 'username' });
    server = await startServer({ provisioning: file });
  });
  after(async () => {
    await server.close();
    await entra.close();
  });

  const page = async (oid: string, preferred: string) => {
    const hint = await entra.hint({ tid: TENANT, aud: APP_ID, now: server.clock.now(), claims: { oid, preferred_username: preferred } });
    const browser = new TestBrowser();
    const response = await browser.post(`${server.issuer}/v1/authorize`, entraForm(hint));
    if (response.status !== 303) return { status: response.status, html: await response.text() };
    const shown = await browser.get(new URL(response.headers.get('location')!, server.base).href);
    return { status: shown.status, html: await shown.text() };
  };
  const links = () => server.provider.db.selectFrom('external_identities').innerJoin('users', 'users.id', 'external_identities.user_id').select(['users.username', 'external_identities.oid', 'external_identities.tid']).orderBy('users.username').execute();

  it('applying the same file again changes nothing; moving an identity to another user relinks it', async () => {
    const { applyProvisioning } = await import('../../src/provisioning/apply.js');
    assert.deepEqual(await links(), [{ username: 'alice', oid: ALICE_OID, tid: TENANT }]);
    const again = await applyProvisioning(server.provider, file);
    assert.deepEqual([again.created, again.updated], [[], []]);
    const users = ((file.communities as Record<string, unknown>[])[0]!.users as Record<string, unknown>[]).map((u) =>
      u.username === 'alice' ? { ...u, external_ids: [] } : u.username === 'bob' ? { ...u, external_ids: [{ oid: ALICE_OID.toUpperCase(), tid: TENANT }] } : u,
    );
    const moved = structuredClone(file);
    (moved.communities as Record<string, unknown>[])[0]!.users = users;
    const summary = await applyProvisioning(server.provider, moved);
    assert.deepEqual(summary.updated, ['acme/user/bob/external_ids']);
    assert.deepEqual(await links(), [{ username: 'bob', oid: ALICE_OID, tid: TENANT }]);
    assert.match((await page(ALICE_OID, 'whoever@contoso.example')).html, /bob/);
    await applyProvisioning(server.provider, file);
    assert.deepEqual(await links(), [{ username: 'alice', oid: ALICE_OID, tid: TENANT }]);
  });

  it('an unlinked identity is matched by preferred_username where the community allows it (not linked before the second factor)', async () => {
    const shown = await page(CAROL_OID, 'carol@contoso.example');
    assert.equal(shown.status, 200);
    assert.match(shown.html, /carol@contoso\.example/);
    assert.equal((await links()).length, 1, 'no link on the strength of the hint alone');
  });

  it('no username match for a user already linked to another identity of the tenant, nor for an unknown username', async () => {
    const refusedAlice = await page('0a0b0c0d-0000-4000-8000-0000000a1ce2', 'alice');
    assert.match(refusedAlice.html, /name="error" value="access_denied"/);
    const unknown = await page(CAROL_OID, 'nobody@contoso.example');
    assert.match(unknown.html, /name="error" value="access_denied"/);
  });
});

describe('the second factor of an EAM sign-in (the MFA policy and factors of every sign-in)', () => {
  const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  let entra: FakeEntra;
  let server: TestServer;
  let authorizeUrl: string;
  const issuer = `${PUBLIC_URL}/oauth2/community/acme`;

  before(async () => {
    entra = await startFakeEntra();
    const file = eamProvisioning({ metadataUrl: entra.metadataUrl, alice: { totp_secret: SECRET } });
    // A second EAM client whose MFA policy allows passkeys only (identity/mfa-policy.ts, as for every client).
    const acme = (file.communities as { clients: Record<string, unknown>[] }[])[0]!;
    const eamClient = acme.clients.find((c) => c.client_id === APP_ID)!;
    acme.clients.push({ ...eamClient, client_id: 'entra-passkeys-only', mfa: { allowed: ['fido'] } });
    server = await startServer({ provisioning: file, env: { PUBLIC_URL } });
    authorizeUrl = `${server.base}/oauth2/community/acme/v1/authorize`;
  });
  after(async () => {
    await server.close();
    await entra.close();
  });

  const start = async (browser: TestBrowser, extra: Record<string, string> = {}) => {
    const hint = await entra.hint({ tid: TENANT, aud: APP_ID, now: server.clock.now(), claims: { oid: ALICE_OID, sub: 'pairwise-alice', preferred_username: 'alice@contoso.example' } });
    const response = await browser.post(authorizeUrl, entraForm(hint, extra));
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location')!, server.base).href;
    const html = await (await browser.get(location)).text();
    return { location, html, csrf: hiddenInputs(html).csrf! };
  };

  /** The form_post to Entra: a verified RS256 ID token with what MS-EAM demands. */
  const answered = async (response: Response, amr: string) => {
    assert.equal(response.status, 200);
    const { action, fields } = formPost(await response.text());
    assert.equal(action, ENTRA_CALLBACK);
    assert.equal(fields.state, 'state-from-entra');
    assert.equal(fields.error, undefined);
    const jwks = (await (await fetch(`${server.base}/oauth2/community/acme/v1/jwks`)).json()) as JSONWebKeySet;
    assert.equal(decodeProtectedHeader(fields.id_token!).alg, 'RS256');
    const { payload } = await jwtVerify(fields.id_token!, createLocalJWKSet(jwks), { issuer, audience: APP_ID, currentDate: new Date(server.clock.now() * 1000) });
    assert.equal(payload.sub, 'pairwise-alice');
    assert.equal(payload.nonce, 'nonce-from-entra');
    assert.equal(payload.acr, 'possessionorinherence');
    assert.deepEqual(payload.amr, [amr]);
    assert.ok(payload.exp! - payload.iat! <= 300);
  };

  it('a TOTP code answers Entra with an ID token (acr possessionorinherence, amr [otp]); a wrong code is refused first', async () => {
    server.clock.advance(60);
    const browser = new TestBrowser();
    const { location, html, csrf } = await start(browser);
    assert.match(html, /name="code"/);
    assert.match(html, /alice@contoso\.example/);
    const wrong = await browser.post(location, { csrf, step: 'totp', code: '000000' === totpAt(SECRET, server.clock.now()) ? '111111' : '000000' });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /That code is not valid/);
    const code = totpAt(SECRET, server.clock.now());
    await answered(await browser.post(location, { csrf, step: 'totp', code }), 'otp');
    const again = await browser.post(location, { csrf, step: 'totp', code });
    assert.equal(again.status, 400, 'the interaction completes once');
  });

  it('a used TOTP code is refused in the next request (a used time step is not accepted again)', async () => {
    server.clock.advance(60);
    const browser = new TestBrowser();
    const first = await start(browser);
    const code = totpAt(SECRET, server.clock.now());
    await answered(await browser.post(first.location, { csrf: first.csrf, step: 'totp', code }), 'otp');
    const second = await start(browser);
    const replay = await browser.post(second.location, { csrf: second.csrf, step: 'totp', code });
    assert.equal(replay.status, 401);
  });

  it('the page is in the browser’s language (German), and Entra asking only for passkeys leaves a TOTP user no factor', async () => {
    const german = new TestBrowser({ 'accept-language': 'de' });
    const { html } = await start(german);
    assert.match(html, /Bestätigen Sie, dass Sie es sind/);
    assert.match(html, /Code aus Ihrer Authenticator-App/);
    const fidoOnly = JSON.stringify({ id_token: { acr: { essential: true, values: ['possessionorinherence'] }, amr: { essential: true, values: ['fido', 'hwk', 'swk'] } } });
    const none = await start(new TestBrowser(), { claims: fidoOnly });
    assert.doesNotMatch(none.html, /name="code"/);
    assert.match(none.html, /no second factor that meets what Microsoft asked for/);
  });

  it('the client’s MFA policy decides which factors an EAM sign-in may use: no TOTP where only passkeys are allowed', async () => {
    server.clock.advance(60);
    const browser = new TestBrowser();
    const { location, html, csrf } = await start(browser, { client_id: 'entra-passkeys-only' });
    assert.doesNotMatch(html, /name="code"/);
    assert.match(html, /no second factor that meets what Microsoft asked for/);
    const refused = await browser.post(location, { csrf, step: 'totp', code: totpAt(SECRET, server.clock.now()) });
    assert.equal(refused.status, 401);
    assert.doesNotMatch(await refused.text(), /id_token/);
  });

  it('a passkey answers Entra with amr [hwk] through the interaction’s passkey step', async () => {
    const community = await server.provider.registry.get('acme');
    const alice = await findUserByUsername(server.provider.db, community!.id, 'alice');
    const credential = newCredential(false);
    await insertCredential(server.provider.db, {
      id: credential.id.toString('base64url'),
      community_id: community!.id,
      user_id: alice!.id,
      name: 'Key',
      public_key: Buffer.from(credential.cose).toString('base64url'),
      counter: 0,
      transports: '[]',
      backed_up: 0,
      created_at: server.clock.now(),
      last_used_at: null,
    });
    const browser = new TestBrowser();
    const { location, html } = await start(browser);
    const link = /id="use-passkey" href="([^"]+)"|href="([^"]+)" id="use-passkey"/.exec(html);
    assert.ok(link, 'the page links to the passkey step');
    const stepUrl = new URL((link[1] ?? link[2])!.replace(/&amp;/g, '&'), location).href;
    const step = await browser.get(stepUrl);
    assert.equal(step.status, 200);
    const stepHtml = await step.text();
    const options = JSON.parse(/<script type="application\/json" id="webauthn-options">(.*?)<\/script>/s.exec(stepHtml)![1]!) as { challenge: string };
    const response = authenticationResponse(credential, { challenge: options.challenge, origin: PUBLIC_URL, rpId: 'tessera.example' });
    await answered(await browser.post(stepUrl, { csrf: hiddenInputs(stepHtml).csrf!, response: JSON.stringify(response) }), 'hwk');
  });
});
