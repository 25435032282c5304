/**
 * The endpoints that consume tokens: introspection (RFC 7662), revocation (RFC 7009) and UserInfo (OIDC Core §5.3
 * with RFC 6750 errors).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { ALICE_PASSWORD, CC_SECRET, WEB_SECRET, basic, postForm, startServer, type TestServer } from '../support/server.js';
import { TestBrowser } from '../support/browser.js';
import { SERVICE_AUTH, codeForm, endpoints, expectOAuthError, expectTokens, fixtureWith, introspect, jsonObject, obtainCode, postToken, type TokenBody } from '../support/token-helpers.js';

const CC = { grant_type: 'client_credentials' };
const LEGACY = { client_id: 'legacy', client_secret: CC_SECRET };
const OPAQUE_SERVICE_AUTH = basic('service-opaque', CC_SECRET);

function provisioning(): Record<string, unknown> {
  const doc = fixtureWith([]);
  (doc.communities as Record<string, unknown>[]).push({
    name: 'globex',
    clients: [{ client_id: 'service', client_secret: CC_SECRET, grant_types: ['client_credentials'], response_types: [], scope: 'api:read api:write' }],
  });
  return doc;
}

describe('introspection, revocation and userinfo', () => {
  let server: TestServer;
  let url: ReturnType<typeof endpoints>;
  const browser = new TestBrowser();

  before(async () => {
    server = await startServer({ provisioning: provisioning() });
    url = endpoints(server);
  });
  after(() => server.close());

  const serviceToken = async () => expectTokens(await postToken(server, CC, { authorization: SERVICE_AUTH }));
  const opaqueServiceToken = async () => expectTokens(await postToken(server, CC, { authorization: OPAQUE_SERVICE_AUTH }));
  const passwordTokens = async (scope: string, username = 'alice', password = ALICE_PASSWORD) =>
    expectTokens(await postToken(server, { grant_type: 'password', username, password, scope, ...LEGACY }));
  const opaqueUserTokens = async (): Promise<TokenBody> => {
    const issued = await obtainCode(server, browser, { clientId: 'first-party', scope: 'openid email offline_access' });
    return expectTokens(await postToken(server, codeForm(issued, { client_id: 'first-party', client_secret: WEB_SECRET })));
  };
  /** Revocation with Basic credentials, or with none when `authorization` is null. */
  const revoke = (token: string, authorization: string | null = SERVICE_AUTH, extra: Record<string, string> = {}) =>
    postForm(url.revoke, { token, ...extra }, authorization === null ? {} : { authorization });
  const refreshLegacy = (refreshToken: string) => postToken(server, { grant_type: 'refresh_token', refresh_token: refreshToken, ...LEGACY });
  const userinfoGet = (authorization?: string) => fetch(url.userinfo, { headers: authorization ? { authorization } : {} });

  describe('introspection', () => {
    it('requires client authentication', async () => {
      const token = (await serviceToken()).access_token;
      const res = await postForm(url.introspect, { token });
      assert.ok(res.headers.get('www-authenticate'));
      await expectOAuthError(res, 401, 'invalid_client');
      await expectOAuthError(await postForm(url.introspect, { token }, { authorization: basic('service', 'wrong-secret') }), 401, 'invalid_client');
    });

    it('refuses a public client', async () => {
      const token = (await serviceToken()).access_token;
      await expectOAuthError(await postForm(url.introspect, { token, client_id: 'spa' }), 401, 'invalid_client');
    });

    it('requires the token parameter', async () => {
      await expectOAuthError(await postForm(url.introspect, {}, { authorization: SERVICE_AUTH }), 400, 'invalid_request');
    });

    it('describes an active JWT client_credentials token', async () => {
      const tokens = await serviceToken();
      const res = await postForm(url.introspect, { token: tokens.access_token }, { authorization: OPAQUE_SERVICE_AUTH });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const info = await jsonObject(res);
      assert.equal(info.active, true);
      assert.equal(info.scope, 'api:read api:write');
      assert.equal(info.client_id, 'service');
      assert.equal(info.sub, 'service');
      assert.equal(info.iss, server.issuer);
      assert.equal(info.token_type, 'Bearer');
      assert.equal(info.iat, server.clock.now());
      assert.equal(info.exp, server.clock.now() + tokens.expires_in);
    });

    it('describes an active JWT user token', async () => {
      const tokens = await passwordTokens('openid email api:read');
      const sub = decodeJwt(tokens.id_token!).sub;
      const info = await introspect(server, tokens.access_token);
      assert.equal(info.active, true);
      assert.equal(info.sub, sub);
      assert.equal(info.client_id, 'legacy');
      assert.equal(info.scope, 'openid email api:read');
      assert.equal(info.iss, server.issuer);
      assert.equal(info.token_type, 'Bearer');
      assert.equal(typeof info.exp, 'number');
      assert.equal(typeof info.iat, 'number');
    });

    it('describes an active opaque client_credentials token', async () => {
      const tokens = await opaqueServiceToken();
      const info = await introspect(server, tokens.access_token);
      assert.equal(info.active, true);
      assert.equal(info.client_id, 'service-opaque');
      assert.equal(info.sub, 'service-opaque');
      assert.equal(info.scope, 'api:read');
      assert.equal(info.iss, server.issuer);
      assert.equal(info.token_type, 'Bearer');
      assert.equal(info.iat, server.clock.now());
      assert.equal(info.exp, server.clock.now() + tokens.expires_in);
    });

    it('describes an active opaque user token', async () => {
      const tokens = await opaqueUserTokens();
      assert.notEqual(tokens.access_token.split('.').length, 3);
      const info = await introspect(server, tokens.access_token);
      assert.equal(info.active, true);
      assert.equal(info.sub, decodeJwt(tokens.id_token!).sub);
      assert.equal(info.client_id, 'first-party');
      assert.equal(info.scope, 'openid email offline_access');
      assert.equal(info.token_type, 'Bearer');
    });

    it('answers exactly {"active":false} for garbage', async () => {
      for (const token of ['garbage', 'a.b.c', 'x'.repeat(10_000), 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']) {
        const res = await postForm(url.introspect, { token }, { authorization: SERVICE_AUTH });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.equal(await res.text(), '{"active":false}');
      }
    });

    it('is inactive for a token signed with another key', async () => {
      const token = (await serviceToken()).access_token;
      const genuine = decodeJwt(token);
      const header = decodeProtectedHeader(token);
      const { privateKey } = await generateKeyPair('ES256');
      const forged = await new SignJWT({ ...genuine, jti: crypto.randomUUID() }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: header.kid! }).sign(privateKey);
      assert.deepEqual(await introspect(server, forged), { active: false });
    });

    it('is inactive for an ID token presented as an access token', async () => {
      const tokens = await passwordTokens('openid');
      assert.deepEqual(await introspect(server, tokens.id_token!), { active: false });
    });

    it('is inactive for another community’s token', async () => {
      const globex = `${server.base}/oauth2/community/globex`;
      const tokens = await expectTokens(await postForm(`${globex}/v1/token`, CC, { authorization: SERVICE_AUTH }));
      assert.equal((await jsonObject(await postForm(`${globex}/v1/introspect`, { token: tokens.access_token }, { authorization: SERVICE_AUTH }))).active, true);
      assert.deepEqual(await introspect(server, tokens.access_token), { active: false });
    });

    it('is inactive for a revoked token', async () => {
      const tokens = await serviceToken();
      assert.equal((await revoke(tokens.access_token)).status, 200);
      assert.deepEqual(await introspect(server, tokens.access_token), { active: false });
    });

    it('describes a refresh token only to the client it was issued to', async () => {
      const tokens = await passwordTokens('openid offline_access api:read');
      const res = await postForm(url.introspect, { token: tokens.refresh_token!, token_type_hint: 'refresh_token', ...LEGACY });
      const info = await jsonObject(res);
      assert.equal(info.active, true);
      assert.equal(info.client_id, 'legacy');
      assert.equal(info.sub, decodeJwt(tokens.id_token!).sub);
      assert.equal(info.scope, 'openid offline_access api:read');
      assert.deepEqual(await introspect(server, tokens.refresh_token!), { active: false }, 'another client learns nothing');
    });

    it('is inactive for a rotated (consumed) refresh token', async () => {
      const tokens = await passwordTokens('openid offline_access');
      await expectTokens(await refreshLegacy(tokens.refresh_token!));
      const info = await jsonObject(await postForm(url.introspect, { token: tokens.refresh_token!, ...LEGACY }));
      assert.deepEqual(info, { active: false });
    });

    it('treats token_type_hint as a hint only', async () => {
      const tokens = await passwordTokens('openid offline_access');
      assert.equal((await introspect(server, tokens.access_token, SERVICE_AUTH, { token_type_hint: 'refresh_token' })).active, true);
      const info = await jsonObject(await postForm(url.introspect, { token: tokens.refresh_token!, token_type_hint: 'access_token', ...LEGACY }));
      assert.equal(info.active, true);
    });
  });

  describe('revocation', () => {
    it('requires client authentication', async () => {
      const tokens = await serviceToken();
      await expectOAuthError(await revoke(tokens.access_token, null), 401, 'invalid_client');
      await expectOAuthError(await revoke(tokens.access_token, basic('service', 'wrong-secret')), 401, 'invalid_client');
      assert.equal((await introspect(server, tokens.access_token)).active, true);
    });

    it('requires the token parameter', async () => {
      await expectOAuthError(await postForm(url.revoke, {}, { authorization: SERVICE_AUTH }), 400, 'invalid_request');
    });

    it('revokes a JWT access token', async () => {
      const tokens = await serviceToken();
      const res = await revoke(tokens.access_token);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await introspect(server, tokens.access_token), { active: false });
    });

    it('revokes an opaque access token', async () => {
      const tokens = await opaqueServiceToken();
      assert.equal((await revoke(tokens.access_token, OPAQUE_SERVICE_AUTH, { token_type_hint: 'access_token' })).status, 200);
      assert.deepEqual(await introspect(server, tokens.access_token), { active: false });
    });

    it('revokes a user’s JWT access token', async () => {
      const tokens = await passwordTokens('openid api:read');
      assert.equal((await postForm(url.revoke, { token: tokens.access_token, ...LEGACY })).status, 200);
      assert.deepEqual(await introspect(server, tokens.access_token), { active: false });
    });

    it('revoking a refresh token revokes its family and the access tokens issued from it', async () => {
      const t0 = await passwordTokens('openid offline_access api:read');
      const t1 = await expectTokens(await refreshLegacy(t0.refresh_token!));
      const unrelated = await passwordTokens('openid offline_access api:read');
      assert.equal((await postForm(url.revoke, { token: t1.refresh_token!, token_type_hint: 'refresh_token', ...LEGACY })).status, 200);
      await expectOAuthError(await refreshLegacy(t1.refresh_token!), 400, 'invalid_grant');
      assert.deepEqual(await introspect(server, t0.access_token), { active: false });
      assert.deepEqual(await introspect(server, t1.access_token), { active: false });
      assert.equal((await introspect(server, unrelated.access_token)).active, true, 'another grant is untouched');
      await expectTokens(await refreshLegacy(unrelated.refresh_token!));
    });

    it('lets a public client revoke its own refresh token', async () => {
      const issued = await obtainCode(server, browser, { clientId: 'spa', scope: 'openid offline_access' });
      const tokens = await expectTokens(await postToken(server, codeForm(issued, { client_id: 'spa' })));
      assert.equal((await postForm(url.revoke, { token: tokens.refresh_token!, client_id: 'spa' })).status, 200);
      await expectOAuthError(await postToken(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: 'spa' }), 400, 'invalid_grant');
    });

    it('answers 200 for an unknown token', async () => {
      const res = await revoke('no-such-token');
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '');
    });

    it('answers 200 without effect for another client’s access token', async () => {
      const tokens = await serviceToken();
      assert.equal((await revoke(tokens.access_token, OPAQUE_SERVICE_AUTH)).status, 200);
      assert.equal((await introspect(server, tokens.access_token)).active, true);
      const opaque = await opaqueServiceToken();
      assert.equal((await revoke(opaque.access_token, SERVICE_AUTH)).status, 200);
      assert.equal((await introspect(server, opaque.access_token)).active, true);
    });

    it('answers 200 without effect for another client’s refresh token', async () => {
      const tokens = await passwordTokens('openid offline_access');
      assert.equal((await revoke(tokens.refresh_token!, SERVICE_AUTH, { token_type_hint: 'refresh_token' })).status, 200);
      assert.equal((await introspect(server, tokens.access_token)).active, true);
      await expectTokens(await refreshLegacy(tokens.refresh_token!));
    });
  });

  describe('userinfo', () => {
    it('returns the claims of the email scope for a Bearer header (GET)', async () => {
      const tokens = await passwordTokens('openid email');
      const res = await userinfoGet(`Bearer ${tokens.access_token}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const claims = await jsonObject(res);
      assert.deepEqual(claims, { sub: decodeJwt(tokens.id_token!).sub, email: 'alice@example.com', email_verified: true });
    });

    it('releases name only with the profile scope', async () => {
      const tokens = await passwordTokens('openid profile');
      const claims = await jsonObject(await userinfoGet(`Bearer ${tokens.access_token}`));
      assert.equal(claims.name, 'Alice Example');
      assert.equal(claims.email, undefined);
      assert.equal(claims.sub, decodeJwt(tokens.id_token!).sub);
    });

    it('accepts the scheme name in lower case', async () => {
      const tokens = await passwordTokens('openid email');
      assert.equal((await userinfoGet(`bearer ${tokens.access_token}`)).status, 200);
    });

    it('accepts the token as a form parameter (POST)', async () => {
      const tokens = await passwordTokens('openid email');
      const res = await postForm(url.userinfo, { access_token: tokens.access_token });
      assert.equal(res.status, 200);
      assert.equal((await jsonObject(res)).email, 'alice@example.com');
    });

    it('accepts a Bearer header on POST', async () => {
      const tokens = await passwordTokens('openid email');
      const res = await fetch(url.userinfo, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(res.status, 200);
    });

    it('serves an opaque user token', async () => {
      const tokens = await opaqueUserTokens();
      const claims = await jsonObject(await userinfoGet(`Bearer ${tokens.access_token}`));
      assert.equal(claims.email, 'alice@example.com');
    });

    it('answers a missing token with 401 and a bare Bearer challenge', async () => {
      for (const res of [await userinfoGet(), await postForm(url.userinfo, {})]) {
        assert.equal(res.status, 401);
        const challenge = res.headers.get('www-authenticate') ?? '';
        assert.equal(challenge, `Bearer realm="${server.issuer}"`);
        assert.ok(!challenge.includes('error'));
        assert.equal(res.headers.get('cache-control'), 'no-store');
      }
    });

    it('answers an invalid token with 401 invalid_token', async () => {
      const res = await userinfoGet('Bearer not-a-real-token');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+", error="invalid_token"/);
      await expectOAuthError(res, 401, 'invalid_token');
    });

    it('answers a revoked token with 401 invalid_token', async () => {
      const tokens = await passwordTokens('openid email');
      await postForm(url.revoke, { token: tokens.access_token, ...LEGACY });
      await expectOAuthError(await userinfoGet(`Bearer ${tokens.access_token}`), 401, 'invalid_token');
    });

    it('answers a client_credentials token with 403 insufficient_scope', async () => {
      const tokens = await serviceToken();
      const res = await userinfoGet(`Bearer ${tokens.access_token}`);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
      await expectOAuthError(res, 403, 'insufficient_scope');
    });

    it('answers a user token without openid with 403 insufficient_scope', async () => {
      const tokens = await passwordTokens('api:read');
      await expectOAuthError(await userinfoGet(`Bearer ${tokens.access_token}`), 403, 'insufficient_scope');
    });

    it('does not take the token from the query string', async () => {
      const tokens = await passwordTokens('openid email');
      const res = await fetch(`${url.userinfo}?access_token=${encodeURIComponent(tokens.access_token)}`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), `Bearer realm="${server.issuer}"`);
    });

    it('refuses a token sent both in the header and in the body', async () => {
      const tokens = await passwordTokens('openid email');
      const res = await postForm(url.userinfo, { access_token: tokens.access_token }, { authorization: `Bearer ${tokens.access_token}` });
      await expectOAuthError(res, 400, 'invalid_request');
    });
  });

  describe('expiry (server clock advanced)', () => {
    it('makes expired access tokens inactive everywhere', async () => {
      const jwt = await serviceToken();
      const opaque = await opaqueServiceToken();
      const user = await passwordTokens('openid email');
      const opaqueUser = await opaqueUserTokens();
      server.clock.advance(jwt.expires_in + 1);
      for (const token of [jwt.access_token, opaque.access_token, user.access_token, opaqueUser.access_token]) {
        assert.deepEqual(await introspect(server, token), { active: false });
      }
      await expectOAuthError(await userinfoGet(`Bearer ${user.access_token}`), 401, 'invalid_token');
      await expectOAuthError(await userinfoGet(`Bearer ${opaqueUser.access_token}`), 401, 'invalid_token');
    });
  });
});
