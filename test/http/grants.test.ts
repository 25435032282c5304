/**
 * The grant types at the token endpoint (RFC 6749 §4.1.3, §4.3, §4.4, §6; RFC 7636; RFC 9068; RFC 9700 §2.1.1,
 * §4.14.2): what each issues and every way each must refuse.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ALICE_PASSWORD, CC_SECRET, WEB_SECRET, basic, fixture, startServer, type TestServer } from '../support/server.js';
import { TestBrowser } from '../support/browser.js';
import { pkcePair } from '../support/flows.js';
import { REDIRECT, codeForm, expectOAuthError, expectTokens, introspect, obtainCode, postToken, type TokenBody } from '../support/token-helpers.js';

const CC = { grant_type: 'client_credentials' };
const SERVICE = { authorization: basic('service', CC_SECRET) };
const WEB = { authorization: basic('web', WEB_SECRET) };
const FIRST_PARTY = { client_id: 'first-party', client_secret: WEB_SECRET };
const LEGACY = { client_id: 'legacy', client_secret: CC_SECRET };

describe('grants over HTTP', () => {
  let server: TestServer;
  let jwks: JWTVerifyGetKey;
  const browser = new TestBrowser();

  before(async () => {
    server = await startServer();
    jwks = createRemoteJWKSet(new URL(`${server.issuer}/v1/jwks`));
  });
  after(() => server.close());

  /** Verifies a token Tessera signed, at the server's (manual) time. */
  async function verify(token: string, options: { typ?: string; audience?: string } = {}): Promise<{ payload: JWTPayload; typ: string | undefined }> {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: server.issuer, currentDate: new Date(server.clock.now() * 1000), ...options });
    return { payload, typ: protectedHeader.typ };
  }

  const webCode = (scope = 'openid email offline_access', nonce?: string) => obtainCode(server, browser, { clientId: 'web', scope, ...(nonce ? { nonce } : {}) });
  const webTokens = async (scope?: string, nonce?: string): Promise<TokenBody> => expectTokens(await postToken(server, codeForm(await webCode(scope, nonce)), WEB));
  const refresh = (refreshToken: string, extra: Record<string, string> = {}, auth: Record<string, string> = WEB) =>
    postToken(server, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, auth);
  const password = (form: Record<string, string>) => postToken(server, { grant_type: 'password', ...LEGACY, ...form });

  describe('client_credentials', () => {
    it('issues an RFC 9068 JWT access token describing the client', async () => {
      const tokens = await expectTokens(await postToken(server, { ...CC, scope: 'api:read' }, SERVICE));
      const { payload, typ } = await verify(tokens.access_token, { typ: 'at+jwt', audience: 'service' });
      assert.equal(typ, 'at+jwt');
      assert.equal(payload.iss, server.issuer);
      assert.equal(payload.sub, 'service');
      assert.equal(payload.client_id, 'service');
      assert.equal(payload.scope, 'api:read');
      assert.equal(payload.iat, server.clock.now());
      assert.equal(payload.exp, payload.iat! + tokens.expires_in);
      assert.equal(typeof payload.jti, 'string');
      assert.equal(payload.auth_time, undefined, 'no auth_time: not a user token');
      assert.equal(tokens.scope, 'api:read');
    });

    it('grants every registered scope when none is asked for', async () => {
      const tokens = await expectTokens(await postToken(server, CC, SERVICE));
      assert.equal(tokens.scope, 'api:read api:write');
      assert.equal((await verify(tokens.access_token)).payload.scope, 'api:read api:write');
    });

    it('issues neither a refresh token nor an ID token', async () => {
      const tokens = await expectTokens(await postToken(server, CC, SERVICE));
      assert.equal(tokens.refresh_token, undefined);
      assert.equal(tokens.id_token, undefined);
    });

    it('refuses a scope not registered for the client', async () => {
      await expectOAuthError(await postToken(server, { ...CC, scope: 'api:read api:admin' }, SERVICE), 400, 'invalid_scope');
    });

    it('refuses openid and offline_access', async () => {
      await expectOAuthError(await postToken(server, { ...CC, scope: 'openid' }, SERVICE), 400, 'invalid_scope');
      await expectOAuthError(await postToken(server, { ...CC, scope: 'api:read offline_access' }, SERVICE), 400, 'invalid_scope');
    });

    it('refuses a malformed scope', async () => {
      await expectOAuthError(await postToken(server, { ...CC, scope: 'api:read "x"' }, SERVICE), 400, 'invalid_request');
    });

    it('issues an opaque token that introspects active when the client is registered for opaque tokens', async () => {
      const tokens = await expectTokens(await postToken(server, CC, { authorization: basic('service-opaque', CC_SECRET) }));
      assert.notEqual(tokens.access_token.split('.').length, 3, 'not a JWT');
      assert.ok(tokens.access_token.length >= 43, 'at least 256 bits, base64url');
      const info = await introspect(server, tokens.access_token);
      assert.equal(info.active, true);
      assert.equal(info.client_id, 'service-opaque');
      assert.equal(info.sub, 'service-opaque');
      assert.equal(info.scope, 'api:read');
    });
  });

  describe('password (legacy client only)', () => {
    it('issues access, refresh and ID tokens for the default scope', async () => {
      const tokens = await expectTokens(await password({ username: 'alice', password: ALICE_PASSWORD }));
      assert.equal(tokens.scope, 'openid profile email offline_access api:read');
      assert.ok(tokens.refresh_token);
      const { payload } = await verify(tokens.id_token!, { audience: 'legacy' });
      assert.equal(payload.auth_time, server.clock.now());
      assert.equal(typeof payload.sub, 'string');
      assert.deepEqual(payload.amr, ['pwd']);
      const digest = createHash('sha256').update(tokens.access_token).digest();
      assert.equal(payload.at_hash, digest.subarray(0, 16).toString('base64url'), 'at_hash binds the access token');
      const access = await verify(tokens.access_token, { typ: 'at+jwt' });
      assert.equal(access.payload.sub, payload.sub);
      assert.equal(access.payload.client_id, 'legacy');
    });

    it('issues an ID token for openid, and no refresh token without offline_access', async () => {
      const tokens = await expectTokens(await password({ username: 'alice', password: ALICE_PASSWORD, scope: 'openid email' }));
      assert.ok(tokens.id_token);
      assert.equal(tokens.refresh_token, undefined);
    });

    it('issues no ID token without openid', async () => {
      const tokens = await expectTokens(await password({ username: 'alice', password: ALICE_PASSWORD, scope: 'api:read' }));
      assert.equal(tokens.id_token, undefined);
      assert.equal(tokens.scope, 'api:read');
    });

    it('refuses a wrong password and an unknown user alike', async () => {
      const wrong = await expectOAuthError(await password({ username: 'alice', password: `${ALICE_PASSWORD}!` }), 400, 'invalid_grant');
      const unknown = await expectOAuthError(await password({ username: 'mallory', password: ALICE_PASSWORD }), 400, 'invalid_grant');
      assert.equal(wrong.error_description, unknown.error_description);
    });

    it('refuses another user’s password', async () => {
      await expectOAuthError(await password({ username: 'bob', password: ALICE_PASSWORD }), 400, 'invalid_grant');
    });

    it('requires username and password', async () => {
      await expectOAuthError(await password({ username: 'alice' }), 400, 'invalid_request');
      await expectOAuthError(await password({ password: ALICE_PASSWORD }), 400, 'invalid_request');
    });

    it('refuses a scope not registered for the client', async () => {
      await expectOAuthError(await password({ username: 'alice', password: ALICE_PASSWORD, scope: 'openid api:write' }), 400, 'invalid_scope');
    });

    it('is refused for clients not registered for it', async () => {
      await expectOAuthError(await postToken(server, { grant_type: 'password', username: 'alice', password: ALICE_PASSWORD }, WEB), 400, 'unauthorized_client');
      await expectOAuthError(await postToken(server, { grant_type: 'password', username: 'alice', password: ALICE_PASSWORD, ...FIRST_PARTY }), 400, 'unauthorized_client');
    });

    it('issues a refresh token that works', async () => {
      const tokens = await expectTokens(await password({ username: 'alice', password: ALICE_PASSWORD }));
      const refreshed = await expectTokens(await postToken(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, ...LEGACY }));
      assert.ok(refreshed.refresh_token);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    });
  });

  describe('authorization_code', () => {
    it('redeems a public client’s code with PKCE', async () => {
      const issued = await obtainCode(server, browser, { clientId: 'spa', scope: 'openid offline_access' });
      const tokens = await expectTokens(await postToken(server, codeForm(issued, { client_id: 'spa' })));
      assert.ok(tokens.id_token);
      assert.ok(tokens.refresh_token);
    });

    it('refuses an unknown code', async () => {
      await expectOAuthError(await postToken(server, { grant_type: 'authorization_code', code: 'no-such-code', redirect_uri: REDIRECT }, WEB), 400, 'invalid_grant');
    });

    it('refuses a redirect_uri other than the authorization request’s', async () => {
      const issued = await webCode();
      await expectOAuthError(await postToken(server, codeForm(issued, { redirect_uri: 'http://127.0.0.1:7777/other' }), WEB), 400, 'invalid_grant');
    });

    it('refuses a redirect_uri that only differs by a trailing slash', async () => {
      const issued = await webCode();
      await expectOAuthError(await postToken(server, codeForm(issued, { redirect_uri: `${REDIRECT}/` }), WEB), 400, 'invalid_grant');
    });

    it('requires the code_verifier when a challenge was sent', async () => {
      const issued = await webCode();
      const { code_verifier: _omitted, ...form } = codeForm(issued);
      assert.ok(_omitted);
      await expectOAuthError(await postToken(server, form, WEB), 400, 'invalid_grant');
    });

    it('refuses a wrong code_verifier', async () => {
      const issued = await webCode();
      await expectOAuthError(await postToken(server, codeForm(issued, { code_verifier: pkcePair().verifier }), WEB), 400, 'invalid_grant');
    });

    it('refuses a malformed code_verifier', async () => {
      const issued = await webCode();
      await expectOAuthError(await postToken(server, codeForm(issued, { code_verifier: 'short' }), WEB), 400, 'invalid_grant');
    });

    it('refuses the S256 challenge itself as the verifier', async () => {
      const issued = await webCode();
      assert.ok(issued.challenge);
      await expectOAuthError(await postToken(server, codeForm(issued, { code_verifier: issued.challenge }), WEB), 400, 'invalid_grant');
    });

    it('refuses a code_verifier when the authorization request had no challenge (PKCE downgrade)', async () => {
      const issued = await obtainCode(server, browser, { clientId: 'web', scope: 'openid', pkce: false });
      assert.equal(issued.verifier, undefined);
      await expectOAuthError(await postToken(server, codeForm(issued, { code_verifier: pkcePair().verifier }), WEB), 400, 'invalid_grant');
    });

    it('redeems a code without PKCE for a confidential client that sent no challenge', async () => {
      const issued = await obtainCode(server, browser, { clientId: 'web', scope: 'openid', pkce: false });
      await expectTokens(await postToken(server, codeForm(issued), WEB));
    });

    it('refuses client A’s code redeemed by client B', async () => {
      const issued = await webCode();
      await expectOAuthError(await postToken(server, codeForm(issued, FIRST_PARTY)), 400, 'invalid_grant');
      const other = await webCode();
      await expectOAuthError(await postToken(server, codeForm(other, { client_id: 'spa' })), 400, 'invalid_grant');
    });

    it('refuses an expired code', async () => {
      const issued = await webCode();
      server.clock.advance(61);
      await expectOAuthError(await postToken(server, codeForm(issued), WEB), 400, 'invalid_grant');
    });

    it('refuses a reused code and revokes what the first redemption issued (JWT access token)', async () => {
      const issued = await webCode();
      const first = await expectTokens(await postToken(server, codeForm(issued), WEB));
      assert.equal((await introspect(server, first.access_token)).active, true);
      await expectOAuthError(await postToken(server, codeForm(issued), WEB), 400, 'invalid_grant');
      assert.deepEqual(await introspect(server, first.access_token), { active: false });
      await expectOAuthError(await refresh(first.refresh_token!), 400, 'invalid_grant');
    });

    it('refuses a reused code and revokes what the first redemption issued (opaque access token)', async () => {
      const issued = await obtainCode(server, browser, { clientId: 'first-party', scope: 'openid offline_access' });
      const first = await expectTokens(await postToken(server, codeForm(issued, FIRST_PARTY)));
      assert.equal((await introspect(server, first.access_token)).active, true);
      await expectOAuthError(await postToken(server, codeForm(issued, FIRST_PARTY)), 400, 'invalid_grant');
      assert.deepEqual(await introspect(server, first.access_token), { active: false });
    });

    it('a reuse does not revoke tokens of another authorization', async () => {
      const kept = await webTokens();
      const issued = await webCode();
      await expectTokens(await postToken(server, codeForm(issued), WEB));
      await expectOAuthError(await postToken(server, codeForm(issued), WEB), 400, 'invalid_grant');
      assert.equal((await introspect(server, kept.access_token)).active, true);
    });
  });

  describe('refresh_token', () => {
    it('rotates: a new refresh token each time; a replay revokes the whole family', async () => {
      const t0 = await webTokens();
      const t1 = await expectTokens(await refresh(t0.refresh_token!));
      const t2 = await expectTokens(await refresh(t1.refresh_token!));
      const refreshTokens = new Set([t0.refresh_token, t1.refresh_token, t2.refresh_token]);
      assert.equal(refreshTokens.size, 3, 'every refresh issues a new refresh token');
      assert.notEqual(t1.access_token, t0.access_token);
      assert.equal((await introspect(server, t1.access_token)).active, true);

      await expectOAuthError(await refresh(t0.refresh_token!), 400, 'invalid_grant');
      await expectOAuthError(await refresh(t2.refresh_token!), 400, 'invalid_grant');
      for (const token of [t0.access_token, t1.access_token, t2.access_token]) {
        assert.deepEqual(await introspect(server, token), { active: false });
      }
    });

    it('rotates for a public client too', async () => {
      const issued = await obtainCode(server, browser, { clientId: 'spa', scope: 'openid offline_access' });
      const t0 = await expectTokens(await postToken(server, codeForm(issued, { client_id: 'spa' })));
      const t1 = await expectTokens(await refresh(t0.refresh_token!, { client_id: 'spa' }, {}));
      assert.ok(t1.refresh_token && t1.refresh_token !== t0.refresh_token);
      await expectOAuthError(await refresh(t0.refresh_token!, { client_id: 'spa' }, {}), 400, 'invalid_grant');
      await expectOAuthError(await refresh(t1.refresh_token!, { client_id: 'spa' }, {}), 400, 'invalid_grant');
    });

    it('refuses client B’s refresh token presented with client A’s credentials (R9)', async () => {
      const web = await webTokens();
      await expectOAuthError(await refresh(web.refresh_token!, FIRST_PARTY, {}), 400, 'invalid_grant');
      await expectOAuthError(await refresh(web.refresh_token!, { client_id: 'spa' }, {}), 400, 'invalid_grant');
    });

    it('refuses an unknown refresh token', async () => {
      await expectOAuthError(await refresh('no-such-refresh-token'), 400, 'invalid_grant');
    });

    it('allows a narrower scope and keeps the grant’s scope for the successor', async () => {
      const t0 = await webTokens('openid email offline_access');
      const narrow = await expectTokens(await refresh(t0.refresh_token!, { scope: 'openid' }));
      assert.equal(narrow.scope, 'openid');
      assert.equal((await verify(narrow.access_token)).payload.scope, 'openid');
      const full = await expectTokens(await refresh(narrow.refresh_token!));
      assert.equal(full.scope, 'openid email offline_access');
    });

    it('refuses a wider scope without consuming the refresh token', async () => {
      const t0 = await webTokens('openid email offline_access');
      await expectOAuthError(await refresh(t0.refresh_token!, { scope: 'openid profile' }), 400, 'invalid_scope');
      await expectOAuthError(await refresh(t0.refresh_token!, { scope: 'openid api:read' }), 400, 'invalid_scope');
      await expectTokens(await refresh(t0.refresh_token!));
    });

    it('issues an ID token that keeps sub, aud and auth_time, with a new iat', async () => {
      const t0 = await webTokens('openid email offline_access', 'nonce-r');
      const before = (await verify(t0.id_token!, { audience: 'web' })).payload;
      assert.equal(before.nonce, 'nonce-r');
      server.clock.advance(5);
      const t1 = await expectTokens(await refresh(t0.refresh_token!));
      assert.ok(t1.id_token, 'an ID token on refresh for openid');
      const afterRefresh = (await verify(t1.id_token, { audience: 'web' })).payload;
      assert.equal(afterRefresh.iss, before.iss);
      assert.equal(afterRefresh.sub, before.sub);
      assert.deepEqual(afterRefresh.aud, before.aud);
      assert.equal(afterRefresh.auth_time, before.auth_time);
      assert.equal(afterRefresh.iat, before.iat! + 5);
      assert.ok(afterRefresh.exp! > before.exp!);
      assert.equal(decodeJwt(t1.access_token).sub, before.sub);
    });

    it('lets exactly one of five concurrent refreshes with the same token succeed', async () => {
      const t0 = await webTokens();
      const responses = await Promise.all(Array.from({ length: 5 }, () => refresh(t0.refresh_token!)));
      const statuses = responses.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 200).length, 1, `statuses: ${statuses.join(',')}`);
      for (const res of responses) {
        if (res.status === 200) await expectTokens(res);
        else await expectOAuthError(res, 400, 'invalid_grant');
      }
    });

    it('refuses an expired refresh token', async () => {
      const t0 = await webTokens();
      server.clock.advance(30 * 86400 + 1);
      await expectOAuthError(await refresh(t0.refresh_token!), 400, 'invalid_grant');
    });
  });
});

describe('refresh tokens without rotation (a confidential client with rotate_refresh_tokens: false)', () => {
  let server: TestServer;
  const browser = new TestBrowser();
  before(async () => {
    const doc = fixture() as { communities: { clients: Record<string, unknown>[] }[] };
    const web = doc.communities[0]!.clients.find((c) => c.client_id === 'web')!;
    web.rotate_refresh_tokens = false;
    server = await startServer({ provisioning: doc });
  });
  after(() => server.close());

  const refresh = (refreshToken: string) => postToken(server, { grant_type: 'refresh_token', refresh_token: refreshToken }, WEB);

  it('returns the same refresh token, valid until revoked or expired (a fixed lifetime); access tokens are new', async () => {
    const issued = await obtainCode(server, browser, { clientId: 'web', scope: 'openid email offline_access' });
    const t0 = await expectTokens(await postToken(server, codeForm(issued), WEB));
    const t1 = await expectTokens(await refresh(t0.refresh_token!));
    const t2 = await expectTokens(await refresh(t0.refresh_token!));
    assert.equal(t1.refresh_token, t0.refresh_token);
    assert.equal(t2.refresh_token, t0.refresh_token);
    assert.notEqual(t1.access_token, t2.access_token);
    assert.equal((await introspect(server, t1.access_token)).active, true, 'using it again revokes nothing');
    // Not sliding: the lifetime counts from issue.
    server.clock.advance(20 * 86400);
    await expectTokens(await refresh(t0.refresh_token!));
    server.clock.advance(10 * 86400 + 1);
    await expectOAuthError(await refresh(t0.refresh_token!), 400, 'invalid_grant');
  });

  it('revocation ends it', async () => {
    const issued = await obtainCode(server, browser, { clientId: 'web', scope: 'openid offline_access' });
    const t0 = await expectTokens(await postToken(server, codeForm(issued), WEB));
    const revoked = await fetch(`${server.issuer}/v1/revoke`, {
      method: 'POST',
      headers: { ...WEB, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t0.refresh_token!, token_type_hint: 'refresh_token' }).toString(),
    });
    assert.equal(revoked.status, 200);
    await expectOAuthError(await refresh(t0.refresh_token!), 400, 'invalid_grant');
  });
});
