/**
 * Service API sign-ins (issue 6): POST authorize with a proof_of_authentication_jwt from a trusted authenticator, and
 * a community's external login UI completing the interaction with service authentication.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { basic, postForm, startServer, WEB_SECRET, type TestServer } from '../support/server.js';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { ACME_LICENSE, OTHER_LICENSE, SERVICE_LICENSE, SYSTEM_LICENSE, ServiceClient, serviceProvisioning } from '../support/service-client.js';

const AUTHENTICATOR = 'https://authn.example';
const REDIRECT = 'http://127.0.0.1:7777/cb';

describe('proof-of-authentication JWT and external login UI', () => {
  let server: TestServer;
  let signingKey: CryptoKey;
  let strangerKey: CryptoKey;
  let aliceId: string;
  let client: ServiceClient;
  let authnJwk: Record<string, unknown>;

  before(async () => {
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'authn-1', alg: 'ES256' };
    authnJwk = jwk;
    server = await startServer({ provisioning: serviceProvisioning({ authenticators: [{ issuer: AUTHENTICATOR, jwks: { keys: [jwk] } }] }) });
    const alice = await server.provider.db.selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow();
    aliceId = alice.id;
    client = new ServiceClient(server);
  });
  after(async () => server.close());

  const proof = (claims: Record<string, unknown> = {}, key: CryptoKey = signingKey, lifetime = 120) => {
    const now = server.clock.now();
    return new SignJWT({ jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'authn-1' })
      .setIssuer((claims.iss as string | undefined) ?? AUTHENTICATOR)
      .setAudience((claims.aud as string | undefined) ?? server.issuer)
      .setSubject((claims.sub as string | undefined) ?? 'alice')
      .setIssuedAt((claims.iat as number | undefined) ?? now)
      .setExpirationTime((claims.exp as number | undefined) ?? now + lifetime)
      .sign(key);
  };
  const authorize = (jwt: string | undefined, extra: Record<string, string> = {}) =>
    postForm(
      `${server.issuer}/v1/authorize`,
      { client_id: 'web', response_type: 'code', scope: 'openid profile', redirect_uri: REDIRECT, state: 'st-1', nonce: 'n-1', ...(jwt ? { proof_of_authentication_jwt: jwt } : {}), ...extra },
      { accept: 'application/json' },
    );
  const redirected = (response: Response) => {
    assert.equal(response.status, 303);
    return new URL(response.headers.get('location')!, server.base);
  };
  const exchange = async (code: string) => {
    const response = await postForm(`${server.issuer}/v1/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic('web', WEB_SECRET) });
    assert.equal(response.status, 200);
    return decodeJwt(((await response.json()) as { id_token: string }).id_token);
  };

  it('a valid proof is answered with a code for its user (303 with code, state, iss), once', async () => {
    const jwt = await proof({ acr: 'urn:example:loa:2', amr: ['face'] });
    const location = redirected(await authorize(jwt));
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get('state'), 'st-1');
    assert.equal(location.searchParams.get('iss'), server.issuer);
    const idToken = await exchange(location.searchParams.get('code')!);
    assert.equal(idToken.sub, aliceId);
    assert.equal(idToken.nonce, 'n-1');
    assert.equal(idToken.acr, 'urn:example:loa:2');
    assert.deepEqual(idToken.amr, ['face']);
    // The same proof again: its jti was used.
    const replay = redirected(await authorize(jwt));
    assert.equal(replay.searchParams.get('error'), 'access_denied');
    assert.match(replay.searchParams.get('error_description')!, /already used/);
    // The user may also be named by id.
    assert.ok(redirected(await authorize(await proof({ sub: aliceId })).then((r) => r)).searchParams.get('code'));
  });

  it('an invalid proof is answered with an error at the redirect_uri, and issues no code', async () => {
    const now = server.clock.now();
    const cases: [Promise<string>, RegExp][] = [
      [proof({ aud: 'https://other.example' }), /aud/],
      [proof({ iss: 'https://evil.example' }), /not from an authenticator/],
      [proof({}, strangerKey), /signature/],
      [proof({ exp: now - 100, iat: now - 200 }), /expired/],
      [proof({ exp: now + 3600 }), /within 5 minutes/],
      [proof({ iat: now + 600, exp: now + 700 }), /iat|future/],
      [proof({ sub: 'mallory' }), /unknown user/],
      [proof({ azp: 'spa' }), /another client/],
      [Promise.resolve('not.a.jwt'), /not a JWT/],
      [Promise.resolve('x'.repeat(9000)), /too long/],
    ];
    const codesBefore = await server.provider.db.selectFrom('authorization_codes').select('code_hash').execute();
    for (const [jwt, description] of cases) {
      const location = redirected(await authorize(await jwt));
      assert.equal(location.searchParams.get('error'), 'access_denied', location.href);
      assert.match(location.searchParams.get('error_description')!, description);
      assert.equal(location.searchParams.get('state'), 'st-1');
      assert.equal(location.searchParams.get('code'), null);
    }
    const noJti = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer(AUTHENTICATOR).setAudience(server.issuer).setSubject('alice').setIssuedAt(now).setExpirationTime(now + 60).sign(signingKey);
    assert.match(redirected(await authorize(noJti)).searchParams.get('error_description')!, /jti/);
    // The client did not register response_type token: refused, in that type's default mode (the fragment).
    const other = redirected(await authorize(await proof(), { response_type: 'token' }));
    assert.equal(new URLSearchParams(other.hash.slice(1)).get('error'), 'unauthorized_client');
    const codesAfter = await server.provider.db.selectFrom('authorization_codes').select('code_hash').execute();
    assert.equal(codesAfter.length, codesBefore.length);
  });

  it('without a trusted client or redirect_uri the answer is a JSON 400', async () => {
    for (const extra of [{ client_id: 'nobody' }, { redirect_uri: 'https://evil.example/cb' }] as Record<string, string>[]) {
      const response = await authorize(await proof(), extra);
      assert.equal(response.status, 400);
      assert.match(response.headers.get('content-type')!, /application\/json/);
      const body = (await response.json()) as { error: string };
      assert.ok(body.error);
    }
  });

  it('without a proof the request goes to the login interaction as usual', async () => {
    const location = redirected(await authorize(undefined));
    assert.match(location.pathname, /^\/oauth2\/community\/acme\/v1\/interaction\/[\w-]+$/);
  });

  it('an external login UI reads and completes the interaction with service authentication', async () => {
    await applyProvisioning(server.provider, serviceProvisioning({ login_ui_url: 'https://login.example/acme', authenticators: [] }));
    const start = await fetch(`${server.issuer}/v1/authorize?${new URLSearchParams({ client_id: 'web', response_type: 'code', scope: 'openid profile', redirect_uri: REDIRECT, state: 'ext-1' })}`, { redirect: 'manual' });
    const ui = redirected(start);
    assert.equal(`${ui.origin}${ui.pathname}`, 'https://login.example/acme');
    const uid = ui.searchParams.get('uid')!;
    assert.match(uid, /^[\w-]+$/);
    const path = `/oauth2/community/acme/v1/interaction/${uid}`;

    // Only a license for acme (or a system license) may see or complete it.
    for (const license of [OTHER_LICENSE, SERVICE_LICENSE]) assert.equal((await client.call('GET', path, license)).status, 403);
    assert.equal((await client.call('POST', `${path}/login`, OTHER_LICENSE, { body: { user: 'alice' } })).status, 403);
    // Without credentials the path is the browser page, as before (no interaction cookie here: an error page).
    const page = await fetch(`${server.base}${path}`);
    assert.match(page.headers.get('content-type')!, /text\/html/);

    const read = await client.call('GET', path, ACME_LICENSE);
    assert.equal(read.status, 200);
    const pending = (await read.json()) as Record<string, unknown>;
    assert.equal(pending.client_id, 'web');
    assert.deepEqual(pending.scope, ['openid', 'profile']);
    assert.equal(pending.user, undefined);
    assert.equal((await client.call('GET', path, SYSTEM_LICENSE)).status, 200);

    assert.equal((await client.call('POST', `${path}/login`, ACME_LICENSE, { body: { user: 'mallory' } })).status, 400);
    assert.equal((await client.call('POST', `${path}/login`, ACME_LICENSE, { body: { user: 'alice', amr: 'pwd' } })).status, 400);
    const login = await client.call('POST', `${path}/login`, ACME_LICENSE, { body: { user: 'alice', acr: 'urn:example:loa:3', amr: ['hwk'] } });
    assert.equal(login.status, 200);
    assert.deepEqual(await login.json(), { consent_required: true, scope: ['openid', 'profile'] });
    const signedIn = (await (await client.call('GET', path, ACME_LICENSE)).json()) as { user?: { username: string } };
    assert.equal(signedIn.user?.username, 'alice');

    assert.equal((await client.call('POST', `${path}/consent`, ACME_LICENSE, { body: { decision: 'maybe' } })).status, 400);
    const consent = await client.call('POST', `${path}/consent`, ACME_LICENSE, { body: { decision: 'allow' } });
    assert.equal(consent.status, 200);
    const { redirect_to } = (await consent.json()) as { redirect_to: string };
    const back = new URL(redirect_to);
    assert.equal(back.searchParams.get('state'), 'ext-1');
    const idToken = await exchange(back.searchParams.get('code')!);
    assert.equal(idToken.sub, aliceId);
    assert.equal(idToken.acr, 'urn:example:loa:3');
    assert.deepEqual(idToken.amr, ['hwk']);
    // Completed once.
    assert.equal((await client.call('POST', `${path}/consent`, ACME_LICENSE, { body: { decision: 'allow' } })).status, 404);
  });

  it('a client that skips consent is finished by the login call itself, and deny reaches the client as access_denied', async () => {
    const begin = async (clientId: string) => {
      const response = await fetch(`${server.issuer}/v1/authorize?${new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 's' })}`, { redirect: 'manual' });
      return `/oauth2/community/acme/v1/interaction/${redirected(response).searchParams.get('uid')}`;
    };
    const first = await begin('first-party');
    const done = (await (await client.call('POST', `${first}/login`, SYSTEM_LICENSE, { body: { user: 'bob' } })).json()) as { redirect_to: string };
    assert.ok(new URL(done.redirect_to).searchParams.get('code'));
    const web = await begin('web');
    const denied = (await (await client.call('POST', `${web}/consent`, ACME_LICENSE, { body: { decision: 'deny' } })).json()) as { redirect_to: string };
    assert.equal(new URL(denied.redirect_to).searchParams.get('error'), 'access_denied');
    assert.equal((await client.call('GET', `/oauth2/community/acme/v1/interaction/nope`, ACME_LICENSE)).status, 404);
  });

  it('form_post: the external login UI is given the form to post, and a proof is answered with the form_post page', async () => {
    const response = await fetch(`${server.issuer}/v1/authorize?${new URLSearchParams({ client_id: 'first-party', response_type: 'code', response_mode: 'form_post', scope: 'openid', redirect_uri: REDIRECT, state: 'fp' })}`, { redirect: 'manual' });
    const path = `/oauth2/community/acme/v1/interaction/${redirected(response).searchParams.get('uid')}`;
    const done = (await (await client.call('POST', `${path}/login`, SYSTEM_LICENSE, { body: { user: 'bob' } })).json()) as { redirect_to?: string; form_post?: { action: string; params: Record<string, string> } };
    assert.equal(done.redirect_to, undefined);
    assert.equal(done.form_post?.action, REDIRECT);
    assert.equal(done.form_post?.params.state, 'fp');
    assert.equal(done.form_post?.params.iss, server.issuer);
    assert.ok(done.form_post?.params.code);

    await applyProvisioning(server.provider, serviceProvisioning({ authenticators: [{ issuer: AUTHENTICATOR, jwks: { keys: [authnJwk] } }] }));
    const page = await authorize(await proof(), { response_mode: 'form_post' });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy')!, /form-action http:\/\/127\.0\.0\.1:7777/);
    const html = await page.text();
    assert.match(html, /<form method="post" action="http:\/\/127\.0\.0\.1:7777\/cb">/);
    assert.match(html, /<input type="hidden" name="code" value="[\w-]{43}">/);
    assert.match(html, /<input type="hidden" name="state" value="st-1">/);
  });
});
