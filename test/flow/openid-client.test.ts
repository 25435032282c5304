/**
 * Tessera against real relying-party libraries: `openid-client` (v6) for the whole life of a login — discovery,
 * authorization code + PKCE through the real login and consent forms, ID token validation (signature, iss, aud,
 * nonce, RFC 9207 `iss` in the response), UserInfo, refresh rotation, introspection, revocation and RP-initiated
 * logout — plus client_credentials, and the same code flow once with `oauth4webapi` directly, authenticating with
 * private_key_jwt.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import { exportJWK, generateKeyPair } from 'jose';
import { ALICE_PASSWORD, CC_SECRET, fixture, startServer, type TestServer } from '../support/server.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { authorizeThroughForms } from '../support/flows.js';

const REDIRECT = 'http://127.0.0.1:7777/cb';
const BYE = 'http://127.0.0.1:7777/bye';
const RP_SECRET = 'rp-secret-Zx81mQp0vLr5TgHa2Wc7Nk3YbE6uJd9s';
const alice = { username: 'alice', password: ALICE_PASSWORD };

type ClientSpec = Record<string, unknown>;

/** The shared fixture plus clients of this file's own. */
function provisioningWith(extra: ClientSpec[]): Record<string, unknown> {
  const doc = fixture(REDIRECT) as { communities: { clients: ClientSpec[] }[] };
  doc.communities[0]!.clients.push(...extra);
  return doc;
}

/** OIDC Core §3.1.3.6: base64url of the left half of SHA-256 (RS256/ES256) of the access token. */
function atHash(accessToken: string): string {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, 16).toString('base64url');
}

function discover(server: TestServer, clientId: string, secret: string | undefined, auth?: client.ClientAuth): Promise<client.Configuration> {
  return client.discovery(new URL(server.issuer), clientId, secret, auth, { execute: [client.allowInsecureRequests] });
}

describe('openid-client (v6) as the relying party', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      provisioning: provisioningWith([
        {
          // Registered for client_secret_post: what openid-client uses by default when given a secret string.
          client_id: 'rp',
          client_name: 'Example RP',
          client_secret: RP_SECRET,
          redirect_uris: [REDIRECT],
          post_logout_redirect_uris: [BYE],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
          scope: 'openid profile email offline_access',
        },
      ]),
    });
  });
  after(() => server.close());

  it('discovery → code + PKCE through the forms → tokens → userinfo → refresh → introspect → revoke → logout', async () => {
    const config = await discover(server, 'rp', RP_SECRET);
    // Verify the ID token signatures against the JWKS too (the default trusts the TLS channel to the token endpoint).
    client.enableNonRepudiationChecks(config);
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, server.issuer);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    assert.ok(metadata.supportsPKCE('S256'));

    const verifier = client.randomPKCECodeVerifier();
    const challenge = await client.calculatePKCECodeChallenge(verifier);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const scope = 'openid email offline_access';
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    assert.equal(`${authorizationUrl.origin}${authorizationUrl.pathname}`, `${server.issuer}/v1/authorize`);

    const browser = new TestBrowser();
    const callback = await authorizeThroughForms(browser, authorizationUrl.href, alice);
    assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT);
    assert.equal(callback.searchParams.get('iss'), server.issuer);
    assert.equal(callback.searchParams.get('state'), state);

    // validateAuthResponse (state, iss per RFC 9207) + the token request + ID token validation (iss, aud, exp, iat, nonce, signature).
    const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 3600);
    assert.equal(tokens.scope, scope);
    assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
    const claims = tokens.claims();
    assert.ok(claims);
    assert.equal(claims.iss, server.issuer);
    assert.equal(claims.aud, 'rp');
    assert.equal(claims.nonce, nonce);
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(typeof claims.sid === 'string' && claims.sid.length > 0);
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(claims.at_hash, atHash(tokens.access_token), 'at_hash matches the access token');
    assert.equal(claims.email, undefined, 'in the code flow scope claims come from UserInfo, not the ID token');

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(userinfo.sub, claims.sub);
    assert.equal(userinfo.email, 'alice@example.com');
    assert.equal(userinfo.email_verified, true);
    assert.equal(userinfo.name, undefined, 'profile was not requested');

    // Refresh with rotation: a new refresh token, a new access token, an ID token for the same user and session.
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'the refresh token is rotated');
    assert.notEqual(refreshed.access_token, tokens.access_token);
    const refreshedClaims = refreshed.claims();
    assert.ok(refreshedClaims, 'an ID token is issued on refresh for an openid grant');
    assert.equal(refreshedClaims.sub, claims.sub);
    assert.equal(refreshedClaims.auth_time, claims.auth_time, 'auth_time is the original authentication');
    assert.equal(refreshedClaims.at_hash, atHash(refreshed.access_token));

    const accessInfo = await client.tokenIntrospection(config, refreshed.access_token);
    assert.equal(accessInfo.active, true);
    assert.equal(accessInfo.client_id, 'rp');
    assert.equal(accessInfo.sub, claims.sub);
    assert.equal(accessInfo.iss, server.issuer);
    assert.equal(accessInfo.scope, scope);
    assert.equal(accessInfo.token_type, 'Bearer');
    const refreshInfo = await client.tokenIntrospection(config, refreshed.refresh_token, { token_type_hint: 'refresh_token' });
    assert.equal(refreshInfo.active, true);
    assert.equal(refreshInfo.token_type, 'refresh_token');
    assert.equal((await client.tokenIntrospection(config, tokens.refresh_token)).active, false, 'the rotated-out refresh token is inactive');

    await client.tokenRevocation(config, refreshed.refresh_token, { token_type_hint: 'refresh_token' });
    assert.equal((await client.tokenIntrospection(config, refreshed.refresh_token)).active, false, 'revoked refresh token');
    assert.equal((await client.tokenIntrospection(config, refreshed.access_token)).active, false, 'revoking the refresh token revokes its grant');
    await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token), (err: unknown) => {
      assert.ok(err instanceof client.ResponseBodyError);
      assert.equal(err.error, 'invalid_grant');
      return true;
    });

    // RP-initiated logout: the confirmation page, then POST logout=yes → 303 to the registered URI with state.
    const logoutState = client.randomState();
    const endSession = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE, state: logoutState });
    assert.equal(`${endSession.origin}${endSession.pathname}`, `${server.issuer}/v1/logout`);
    const confirm = await browser.get(endSession.href);
    assert.equal(confirm.status, 200);
    assert.match(confirm.headers.get('content-type') ?? '', /^text\/html/);
    const page = await confirm.text();
    assert.match(page, /<form method="post">/);
    assert.match(page, /name="logout" value="yes"/);
    const form = hiddenInputs(page);
    assert.ok(form.csrf && form.csrf.length >= 32, 'the form carries a CSRF token');
    assert.equal(form.post_logout_redirect_uri, BYE);
    assert.equal(form.state, logoutState);
    assert.equal(form.id_token_hint, tokens.id_token);

    const forged = await browser.post(endSession.href, { ...form, csrf: 'x'.repeat(form.csrf.length), logout: 'yes' });
    assert.equal(forged.status, 400, 'a wrong CSRF token does not sign out');
    const done = await browser.post(endSession.href, { ...form, logout: 'yes' });
    assert.equal(done.status, 303);
    const back = new URL(done.headers.get('location')!);
    assert.equal(`${back.origin}${back.pathname}`, BYE);
    assert.equal(back.searchParams.get('state'), logoutState);
    assert.equal(browser.cookies.find((c) => c.name === 'tessera_session'), undefined, 'the session cookie is cleared');

    // The session is gone: a silent authorization request now answers login_required.
    const silentState = client.randomState();
    const silent = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid', prompt: 'none', state: silentState, code_challenge: challenge, code_challenge_method: 'S256' });
    const res = await browser.get(silent.href);
    assert.equal(res.status, 303);
    const errorCallback = new URL(res.headers.get('location')!);
    assert.equal(errorCallback.searchParams.get('error'), 'login_required');
    assert.equal(errorCallback.searchParams.get('state'), silentState);
    assert.equal(errorCallback.searchParams.get('iss'), server.issuer);
    await assert.rejects(client.authorizationCodeGrant(config, errorCallback, { pkceCodeVerifier: verifier, expectedState: silentState }), (err: unknown) => {
      assert.ok(err instanceof client.AuthorizationResponseError);
      assert.equal(err.error, 'login_required');
      return true;
    });
  });

  it('rejects an authorization response whose iss is not the issuer (RFC 9207 mix-up defence)', async () => {
    const config = await discover(server, 'rp', RP_SECRET);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const callback = await authorizeThroughForms(new TestBrowser(), url.href, alice);
    callback.searchParams.set('iss', 'http://127.0.0.1:1/oauth2/community/evil');
    await assert.rejects(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }), (err: unknown) => {
      assert.ok(err instanceof client.ClientError);
      assert.ok(err.cause instanceof Error);
      assert.match(err.cause.message, /"iss"/);
      return true;
    });
  });

  it('client_credentials: a token for the client itself, described by introspection', async () => {
    const config = await discover(server, 'service', CC_SECRET, client.ClientSecretBasic(CC_SECRET));
    const narrow = await client.clientCredentialsGrant(config, { scope: 'api:read' });
    assert.equal(narrow.token_type, 'bearer');
    assert.equal(narrow.scope, 'api:read');
    assert.equal(narrow.refresh_token, undefined);
    assert.equal(narrow.id_token, undefined);
    const info = await client.tokenIntrospection(config, narrow.access_token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, 'service');
    assert.equal(info.sub, 'service', 'sub is the client_id');
    assert.equal(info.auth_time, undefined, 'no auth_time: not a user token');
    assert.equal(info.scope, 'api:read');

    const all = await client.clientCredentialsGrant(config);
    assert.equal(all.scope, 'api:read api:write', 'no scope → every registered scope');
    // A stateless client_credentials JWT can still be revoked, and then introspects inactive.
    await client.tokenRevocation(config, all.access_token);
    assert.equal((await client.tokenIntrospection(config, all.access_token)).active, false);
    assert.equal((await client.tokenIntrospection(config, narrow.access_token)).active, true, 'only the revoked token');

    await assert.rejects(client.clientCredentialsGrant(config, { scope: 'openid' }), (err: unknown) => {
      assert.ok(err instanceof client.ResponseBodyError);
      assert.equal(err.error, 'invalid_scope');
      return true;
    });

    // A client must use the authentication method it registered: openid-client's default for a secret string is
    // client_secret_post, and 'service' registered client_secret_basic. Credentials in the body are refused with 400
    // invalid_client (RFC 6749 §5.2), which openid-client surfaces as a plain OAuth error.
    const wrongMethod = await discover(server, 'service', CC_SECRET);
    let refusal: unknown;
    await client.clientCredentialsGrant(wrongMethod).catch((err: unknown) => {
      refusal = err;
    });
    assert.ok(refusal instanceof client.ResponseBodyError, `expected an OAuth error response, got ${String(refusal)}`);
    assert.equal(refusal.error, 'invalid_client');
    assert.equal(refusal.status, 400);
    assert.match(refusal.error_description ?? '', /client_secret_basic/);

    const opaque = await client.clientCredentialsGrant(await discover(server, 'service-opaque', CC_SECRET, client.ClientSecretBasic(CC_SECRET)));
    assert.equal(opaque.access_token.split('.').length, 1, 'an opaque token is not a JWT');
    const opaqueInfo = await client.tokenIntrospection(config, opaque.access_token);
    assert.equal(opaqueInfo.active, true);
    assert.equal(opaqueInfo.client_id, 'service-opaque');
  });
});

describe('oauth4webapi directly, with private_key_jwt client authentication', () => {
  let server: TestServer;
  let privateKey: CryptoKey;
  const kid = 'rp-jwt-key-1';
  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' };
    server = await startServer({
      provisioning: provisioningWith([
        {
          client_id: 'rp-jwt',
          client_name: 'Key-based RP',
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          jwks: { keys: [publicJwk] },
          id_token_signed_response_alg: 'ES256',
          scope: 'openid email',
        },
      ]),
    });
  });
  after(() => server.close());

  it('discovery → authorize (PKCE, state, nonce) → validateAuthResponse → code grant with a signed client assertion', async () => {
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(server.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    const rp: oauth.Client = { client_id: 'rp-jwt', id_token_signed_response_alg: 'ES256' };
    const clientAuth = oauth.PrivateKeyJwt({ key: privateKey, kid });

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const authorizationUrl = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({
      client_id: rp.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid email',
      state,
      nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    })) {
      authorizationUrl.searchParams.set(k, v);
    }
    const callback = await authorizeThroughForms(new TestBrowser(), authorizationUrl.href, alice);

    // A response claiming another issuer is refused before any token request (RFC 9207).
    const mixedUp = new URL(callback);
    mixedUp.searchParams.set('iss', 'http://127.0.0.1:1/oauth2/community/other');
    assert.throws(() => oauth.validateAuthResponse(as, rp, mixedUp, state), /iss/);
    assert.throws(() => oauth.validateAuthResponse(as, rp, callback, 'another-state'), /state/);
    const params = oauth.validateAuthResponse(as, rp, callback, state);

    let sentAssertion: string | undefined;
    const capture: typeof fetch = async (input, init) => {
      const body = init?.body;
      if (body instanceof URLSearchParams) sentAssertion = body.get('client_assertion') ?? undefined;
      return fetch(input, init);
    };
    const response = await oauth.authorizationCodeGrantRequest(as, rp, clientAuth, params, REDIRECT, verifier, { ...insecure, [oauth.customFetch]: capture });
    const result = await oauth.processAuthorizationCodeResponse(as, rp, response, { expectedNonce: nonce, requireIdToken: true });
    // Verify the ID token's signature with the published JWKS as well (not only TLS trust of the token endpoint).
    await oauth.validateApplicationLevelSignature(as, response, insecure);
    const claims = oauth.getValidatedIdTokenClaims(result);
    assert.ok(claims);
    assert.equal(claims.iss, server.issuer);
    assert.equal(claims.aud, 'rp-jwt');
    assert.equal(claims.nonce, nonce);
    assert.equal(claims.at_hash, atHash(result.access_token));
    assert.equal(result.refresh_token, undefined, 'no refresh_token grant registered');

    // The assertion oauth4webapi sent names us as issuer and subject; replaying it is refused (jti used once).
    assert.ok(sentAssertion);
    const [, payload] = sentAssertion.split('.');
    const assertionClaims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(assertionClaims.iss, 'rp-jwt');
    assert.equal(assertionClaims.sub, 'rp-jwt');
    const replay = await fetch(as.token_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: sentAssertion }),
    });
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: string }).error, 'invalid_client');

    const userinfo = await oauth.processUserInfoResponse(as, rp, claims.sub, await oauth.userInfoRequest(as, rp, result.access_token, insecure));
    assert.equal(userinfo.email, 'alice@example.com');
  });

  it('refuses an assertion signed by a key the client did not register', async () => {
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(server.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    const stranger = await generateKeyPair('ES256');
    const response = await oauth.clientCredentialsGrantRequest(as, { client_id: 'rp-jwt' }, oauth.PrivateKeyJwt({ key: stranger.privateKey, kid }), new URLSearchParams(), insecure);
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client');
  });
});
