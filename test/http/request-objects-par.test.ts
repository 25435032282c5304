/**
 * Authorization requests by value and by reference: request objects (RFC 9101) signed with the client's keys or
 * secret, and pushed authorization requests (RFC 9126) — through openid-client's PAR support as a real relying
 * party, and every refusal: unsigned, foreign key, wrong iss/aud, expired, nested, pinned algorithm, replayed or
 * expired request_uri, another client's request_uri, a client that must push.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import * as oidc from 'openid-client';
import { ALICE_PASSWORD, WEB_SECRET, basic, postForm, startServer, type TestServer } from '../support/server.js';
import { TestBrowser } from '../support/browser.js';
import { authorizeThroughForms, authorizeUrl, pkcePair } from '../support/flows.js';
import { REDIRECT, codeForm, endpoints, expectOAuthError, expectTokens, fixtureWith, jsonObject, postToken } from '../support/token-helpers.js';

const ALICE = { username: 'alice', password: ALICE_PASSWORD };
const HMAC_SECRET = 'hmac-secret-4f9Qx2Lm8Rz7Tb1Nc6Vd3Kp0Wy5Hs';

describe('request objects and pushed authorization requests', () => {
  let server: TestServer;
  let clientKey: CryptoKey;
  let strangerKey: CryptoKey;

  before(async () => {
    const pair = await generateKeyPair('ES256');
    clientKey = pair.privateKey;
    strangerKey = (await generateKeyPair('ES256')).privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES256', use: 'sig' }] };
    const rp = (clientId: string, extra: Record<string, unknown>) => ({
      client_id: clientId,
      client_secret: WEB_SECRET,
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code'],
      scope: 'openid profile',
      skip_consent: true,
      ...extra,
    });
    server = await startServer({
      provisioning: fixtureWith([
        rp('signed', { jwks }),
        rp('hmac', { client_secret: HMAC_SECRET, token_endpoint_auth_method: 'client_secret_jwt' }),
        rp('pinned', { jwks, request_object_signing_alg: 'PS256' }),
        rp('par-only', { require_pushed_authorization_requests: true, token_endpoint_auth_method: 'client_secret_post' }),
      ]),
    });
  });
  after(() => server.close());

  const pkce = pkcePair();
  const challenge = pkce.challenge;
  const requestParams = (clientId: string, extra: JWTPayload = {}): JWTPayload => ({
    iss: clientId,
    aud: server.issuer,
    client_id: clientId,
    response_type: 'code',
    scope: 'openid profile',
    redirect_uri: REDIRECT,
    state: 'inside',
    nonce: 'n-inside',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    max_age: 3600,
    exp: server.clock.now() + 300,
    ...extra,
  });
  const signObject = (claims: JWTPayload, key: CryptoKey | Uint8Array = clientKey, alg = 'ES256') => new SignJWT(claims).setProtectedHeader({ alg, typ: 'oauth-authz-req+jwt' }).sign(key);
  /** The authorize URL for a request object, with the outer parameters OIDC asks for (their values do not count). */
  const byValue = (clientId: string, request: string) =>
    authorizeUrl(server.issuer, { client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'outside', request });

  function redirectError(res: Response, error: string, state = 'outside'): void {
    assert.equal(res.status, 303, `status ${res.status}`);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), error, location.href);
    assert.equal(location.searchParams.get('state'), state);
    assert.equal(location.searchParams.get('iss'), server.issuer);
  }

  async function errorPage(res: Response, error: string): Promise<void> {
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null, 'never redirected');
    assert.match(await res.text(), new RegExp(`<code>${error}</code>`));
  }

  describe('request objects (RFC 9101)', () => {
    it('a signed request object stands for the request: only its parameters count', async () => {
      const browser = new TestBrowser();
      const location = await authorizeThroughForms(browser, byValue('signed', await signObject(requestParams('signed'))), ALICE);
      assert.ok(location.searchParams.get('code'));
      assert.equal(location.searchParams.get('state'), 'inside', 'the state inside the object, not the one outside');
    });

    it('a client_secret_jwt client may sign with HS256', async () => {
      const location = await authorizeThroughForms(new TestBrowser(), byValue('hmac', await signObject(requestParams('hmac'), new TextEncoder().encode(HMAC_SECRET), 'HS256')), ALICE);
      assert.ok(location.searchParams.get('code'));
    });

    it('refuses unsigned, foreign-signed, misaddressed, expired, nested and mis-pinned objects (back to the client)', async () => {
      const now = server.clock.now();
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(requestParams('signed'))).toString('base64url')}.`;
      const cases: [string, string, string][] = [
        ['alg none', 'signed', none],
        ['another key', 'signed', await signObject(requestParams('signed'), strangerKey)],
        ['iss of another client', 'signed', await signObject(requestParams('signed', { iss: 'web' }))],
        ['aud of another issuer', 'signed', await signObject(requestParams('signed', { aud: 'https://elsewhere.example' }))],
        ['expired', 'signed', await signObject(requestParams('signed', { exp: now - 120 }))],
        ['client_id inside differs', 'signed', await signObject(requestParams('signed', { client_id: 'web' }))],
        ['a nested request_uri', 'signed', await signObject(requestParams('signed', { request_uri: 'https://x.example/r' }))],
        ['an object parameter that is not a string', 'signed', await signObject(requestParams('signed', { prompt: ['login'] as unknown as string }))],
        ['HS256 from a client without a kept secret', 'signed', await signObject(requestParams('signed'), new TextEncoder().encode(WEB_SECRET), 'HS256')],
        ['ES256 where PS256 is registered', 'pinned', await signObject(requestParams('pinned'))],
        ['not a JWS', 'signed', 'garbage'],
      ];
      for (const [what, clientId, request] of cases) {
        const res = await fetch(byValue(clientId, request), { redirect: 'manual' });
        assert.equal(res.status, 303, what);
        redirectError(res, 'invalid_request_object');
      }
    });

    it('without a registered client_id/redirect_uri pair outside, the error is a page', async () => {
      const request = await signObject(requestParams('signed'), strangerKey);
      await errorPage(await fetch(authorizeUrl(server.issuer, { client_id: 'signed', request }), { redirect: 'manual' }), 'invalid_request_object');
    });
  });

  describe('pushed authorization requests (RFC 9126)', () => {
    const push = (form: Record<string, string>, auth: Record<string, string> = { authorization: basic('signed', WEB_SECRET) }) => postForm(`${server.issuer}/v1/par`, form, auth);
    const pushed = async (res: Response): Promise<string> => {
      const text = await res.clone().text();
      assert.equal(res.status, 201, text);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = await jsonObject(res);
      assert.equal(body.expires_in, 60);
      assert.match(String(body.request_uri), /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
      return String(body.request_uri);
    };
    const plain = (clientId = 'signed') => ({ response_type: 'code', client_id: clientId, scope: 'openid', redirect_uri: REDIRECT, state: 'pushed', code_challenge: challenge, code_challenge_method: 'S256' });

    it('openid-client pushes, the browser brings only client_id and request_uri, the code redeems', async () => {
      const config = await oidc.discovery(new URL(server.issuer), 'par-only', WEB_SECRET, oidc.ClientSecretPost(WEB_SECRET), { execute: [oidc.allowInsecureRequests] });
      assert.equal(config.serverMetadata().pushed_authorization_request_endpoint, `${server.issuer}/v1/par`);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = await oidc.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: REDIRECT,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });
      assert.deepEqual([...url.searchParams.keys()].sort(), ['client_id', 'request_uri']);
      const callback = await authorizeThroughForms(new TestBrowser(), url.href, ALICE);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
      assert.ok(tokens.id_token);
      const again = await fetch(url.href, { redirect: 'manual' });
      await errorPage(again, 'invalid_request_uri');
    });

    it('a client that must push is refused a plain request', async () => {
      redirectError(await fetch(authorizeUrl(server.issuer, plain('par-only')), { redirect: 'manual' }), 'invalid_request', 'pushed');
    });

    it('a request object can be pushed too', async () => {
      const requestUri = await pushed(await push({ client_id: 'signed', request: await signObject(requestParams('signed')) }));
      const location = await authorizeThroughForms(new TestBrowser(), authorizeUrl(server.issuer, { client_id: 'signed', request_uri: requestUri }), ALICE);
      assert.equal(location.searchParams.get('state'), 'inside');
      const code = location.searchParams.get('code')!;
      const tokens = await expectTokens(await postToken(server, codeForm({ code, verifier: pkce.verifier }), { authorization: basic('signed', WEB_SECRET) }));
      assert.ok(tokens.id_token, 'the pushed object’s scope (openid profile) was granted');
    });

    it('validates the pushed request at once and answers errors as JSON', async () => {
      await expectOAuthError(await push(plain(), {}), 400, 'invalid_client');
      await expectOAuthError(await push({ ...plain(), redirect_uri: 'https://evil.example/cb' }), 400, 'invalid_request');
      await expectOAuthError(await push({ ...plain(), scope: 'openid admin' }), 400, 'invalid_scope');
      await expectOAuthError(await push({ ...plain(), request_uri: 'urn:ietf:params:oauth:request_uri:x' }), 400, 'invalid_request');
      await expectOAuthError(await push({ ...plain(), client_id: 'web' }), 401, 'invalid_client');
      await expectOAuthError(await push({ ...plain(), request: await signObject(requestParams('signed'), strangerKey) }), 400, 'invalid_request_object');
    });

    it('a request_uri is for its client only, once, within its minute', async () => {
      const forOther = await pushed(await push(plain()));
      await errorPage(await fetch(authorizeUrl(server.issuer, { client_id: 'web', request_uri: forOther }), { redirect: 'manual' }), 'invalid_request_uri');
      const late = await pushed(await push(plain()));
      server.clock.advance(61);
      await errorPage(await fetch(authorizeUrl(server.issuer, { client_id: 'signed', request_uri: late }), { redirect: 'manual' }), 'invalid_request_uri');
      await errorPage(await fetch(authorizeUrl(server.issuer, { client_id: 'signed', request_uri: 'https://client.example/r' }), { redirect: 'manual' }), 'request_uri_not_supported');
      const fresh = await pushed(await push(plain()));
      const location = await authorizeThroughForms(new TestBrowser(), authorizeUrl(server.issuer, { client_id: 'signed', request_uri: fresh }), ALICE);
      assert.ok(location.searchParams.get('code'), location.href);
      assert.equal(location.searchParams.get('state'), 'pushed');
    });

    it('discovery advertises the PAR endpoint and request objects', async () => {
      const doc = await jsonObject(await fetch(endpoints(server).discovery));
      assert.equal(doc.pushed_authorization_request_endpoint, `${server.issuer}/v1/par`);
      assert.equal(doc.request_parameter_supported, true);
      assert.equal(doc.require_pushed_authorization_requests, false);
      assert.ok((doc.request_object_signing_alg_values_supported as string[]).includes('ES256'));
      assert.ok(!(doc.request_object_signing_alg_values_supported as string[]).includes('none'));
    });
  });
});
