/**
 * The extension grants: JWT bearer (RFC 7523 §2.1, §3) and token exchange (RFC 8693), each refused in every way
 * the RFCs and Tessera's policy say, and each issued token checked by signature, introspection and userinfo.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ALICE_PASSWORD, CC_SECRET, basic, postForm, startServer, type TestServer } from '../support/server.js';
import { endpoints, expectOAuthError, expectTokens, fixtureWith, introspect, jsonObject, postToken, type TokenBody } from '../support/token-helpers.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const IDP = 'https://idp.example';
const GATEWAY_AUD = 'https://gateway.example';
const ORDERS = 'https://orders.example';
const BILLING = 'https://billing.example';

const ASSERTER = { authorization: basic('asserter', CC_SECRET) };
const GATEWAY = { authorization: basic('gateway', CC_SECRET) };

describe('extension grants over HTTP', () => {
  let server: TestServer;
  let jwks: JWTVerifyGetKey;
  let idpKey: CryptoKey;
  let clientKey: CryptoKey;
  let strangerKey: CryptoKey;

  before(async () => {
    const idp = await generateKeyPair('ES256');
    const own = await generateKeyPair('ES256');
    idpKey = idp.privateKey;
    clientKey = own.privateKey;
    strangerKey = (await generateKeyPair('ES256')).privateKey;
    const publicJwk = async (key: CryptoKey) => ({ ...(await exportJWK(key)), alg: 'ES256', use: 'sig' });
    server = await startServer({
      provisioning: fixtureWith([
        {
          client_id: 'asserter',
          client_secret: CC_SECRET,
          grant_types: [JWT_BEARER],
          response_types: [],
          scope: 'openid profile api:read offline_access',
          jwks: { keys: [await publicJwk(own.publicKey)] },
          jwt_bearer_issuers: [
            { issuer: IDP, jwks: { keys: [await publicJwk(idp.publicKey)] }, subject: 'username' },
            { issuer: 'asserter' },
          ],
        },
        {
          client_id: 'mobile',
          client_secret: CC_SECRET,
          grant_types: ['password', 'refresh_token'],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_post',
          scope: 'openid profile email api:read api:write offline_access',
          access_token_audience: GATEWAY_AUD,
        },
        {
          client_id: 'mobile-opaque',
          client_secret: CC_SECRET,
          grant_types: ['password'],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_post',
          scope: 'openid api:read',
          access_token_audience: GATEWAY_AUD,
          access_token_format: 'opaque',
        },
        {
          client_id: 'gateway',
          client_secret: CC_SECRET,
          grant_types: [TOKEN_EXCHANGE],
          response_types: [],
          scope: 'openid profile email api:read',
          access_token_audience: GATEWAY_AUD,
          token_exchange_audiences: [ORDERS, BILLING],
        },
      ]),
    });
    jwks = createRemoteJWKSet(new URL(endpoints(server).jwks));
  });
  after(() => server.close());

  const verify = async (token: string): Promise<JWTPayload> =>
    (await jwtVerify(token, jwks, { issuer: server.issuer, typ: 'at+jwt', currentDate: new Date(server.clock.now() * 1000) })).payload;

  async function userinfo(token: string): Promise<Response> {
    return fetch(endpoints(server).userinfo, { headers: { authorization: `Bearer ${token}` } });
  }

  describe('JWT bearer (RFC 7523)', () => {
    async function assertion(claims: JWTPayload = {}, key: CryptoKey = idpKey, alg = 'ES256'): Promise<string> {
      const now = server.clock.now();
      return new SignJWT({ iss: IDP, sub: 'alice', aud: server.issuer, exp: now + 300, iat: now, jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg })
        .sign(key);
    }
    const grant = (jwt: string, extra: Record<string, string> = {}, auth = ASSERTER) => postToken(server, { grant_type: JWT_BEARER, assertion: jwt, ...extra }, auth);

    it('exchanges a trusted issuer’s assertion for an access token for the user it names, once', async () => {
      const jwt = await assertion({}, idpKey);
      const body = await expectTokens(await grant(jwt, { scope: 'openid api:read' }));
      assert.equal(body.scope, 'openid api:read');
      assert.equal(body.refresh_token, undefined, 'no refresh token from an assertion');
      assert.equal(body.id_token, undefined, 'no ID token: nobody logged in here');
      const claims = await verify(body.access_token);
      assert.equal(claims.client_id, 'asserter');
      assert.equal(typeof claims.auth_time, 'number');
      const info = await jsonObject(await userinfo(body.access_token));
      assert.equal(info.sub, claims.sub, 'userinfo knows the user');
      const described = await introspect(server, body.access_token);
      assert.equal(described.active, true);
      assert.equal(described.sub, claims.sub);
      await expectOAuthError(await grant(jwt), 400, 'invalid_grant');
    });

    it('accepts the client’s own assertion (its registered keys), naming the user by subject identifier', async () => {
      const first = await verify((await expectTokens(await grant(await assertion()))).access_token);
      const own = await assertion({ iss: 'asserter', sub: String(first.sub), aud: `${server.issuer}/v1/token` }, clientKey);
      const body = await expectTokens(await grant(own));
      assert.equal((await verify(body.access_token)).sub, first.sub);
      assert.equal(body.scope, 'openid profile api:read', 'default scope: the client’s, without offline_access');
    });

    it('refuses assertions that are untrusted, misaddressed, expired, long-lived, unsigned by the issuer or about nobody', async () => {
      const now = server.clock.now();
      const cases: [string, string][] = [
        ['untrusted issuer', await assertion({ iss: 'https://evil.example' })],
        ['wrong audience', await assertion({ aud: 'https://elsewhere.example' })],
        ['expired', await assertion({ exp: now - 120, iat: now - 400 })],
        ['expires in two hours', await assertion({ exp: now + 7200 })],
        ['no jti', await assertion({ jti: undefined })],
        ['no sub', await assertion({ sub: undefined })],
        ['signed by another key', await assertion({}, strangerKey)],
        ['unknown user', await assertion({ sub: 'mallory' })],
        ['an id, where the issuer names usernames', await assertion({ sub: randomUUID() })],
        ['the client’s issuer naming a username', await assertion({ iss: 'asserter', sub: 'alice' }, clientKey)],
        ['not a JWT', 'not-a-jwt'],
      ];
      for (const [what, jwt] of cases) {
        const res = await grant(jwt);
        const text = await res.clone().text();
        assert.equal(res.status, 400, `${what}: ${text}`);
        await expectOAuthError(res, 400, 'invalid_grant');
      }
      const hmac = await new SignJWT({ iss: IDP, sub: 'alice', aud: server.issuer, exp: now + 60, jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('x'.repeat(32)));
      await expectOAuthError(await grant(hmac), 400, 'invalid_grant');
    });

    it('refuses scopes beyond the client, offline_access, a missing assertion, and clients not registered for it', async () => {
      await expectOAuthError(await grant(await assertion(), { scope: 'api:write' }), 400, 'invalid_scope');
      await expectOAuthError(await grant(await assertion(), { scope: 'openid offline_access' }), 400, 'invalid_scope');
      await expectOAuthError(await postToken(server, { grant_type: JWT_BEARER }, ASSERTER), 400, 'invalid_request');
      await expectOAuthError(await grant(await assertion(), {}, GATEWAY), 400, 'unauthorized_client');
    });
  });

  describe('token exchange (RFC 8693)', () => {
    async function userToken(clientId = 'mobile', scope = 'openid profile api:read api:write offline_access'): Promise<TokenBody> {
      return expectTokens(await postToken(server, { grant_type: 'password', username: 'alice', password: ALICE_PASSWORD, scope, client_id: clientId, client_secret: CC_SECRET }));
    }
    function exchange(form: Record<string, string | string[]>, auth = GATEWAY): Promise<Response> {
      const body = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const value of Array.isArray(v) ? v : [v]) body.append(k, value);
      return fetch(endpoints(server).token, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth }, body });
    }
    const subjectForm = (token: string, extra: Record<string, string | string[]> = {}) => ({ grant_type: TOKEN_EXCHANGE, subject_token: token, subject_token_type: ACCESS_TOKEN_TYPE, ...extra });
    const exchanged = async (res: Response) => {
      const body = (await expectTokens(res)) as TokenBody & { issued_token_type?: string };
      return { body, claims: await verify(body.access_token) };
    };

    it('gives a resource server a token for a downstream audience, for the same user, never outliving the subject', async () => {
      const subject = await userToken();
      const subjectClaims = await verify(subject.access_token);
      server.clock.advance(60);
      const { body, claims } = await exchanged(await exchange(subjectForm(subject.access_token, { audience: ORDERS })));
      assert.equal(body.issued_token_type, ACCESS_TOKEN_TYPE);
      assert.equal(body.refresh_token, undefined);
      assert.equal(claims.aud, ORDERS);
      assert.equal(claims.sub, subjectClaims.sub);
      assert.equal(claims.client_id, 'gateway');
      assert.equal(claims.auth_time, subjectClaims.auth_time);
      assert.ok(claims.exp! <= subjectClaims.exp!, 'expires no later than the subject token');
      assert.equal(body.scope, 'openid profile api:read', 'the subject’s scope within the gateway’s registration');
      const described = await introspect(server, body.access_token);
      assert.equal(described.active, true);
      assert.equal(described.sub, subjectClaims.sub);
      assert.equal((await userinfo(body.access_token)).status, 200);
    });

    it('narrows scope, names several audiences (audience and resource), defaults to the client’s own audience', async () => {
      const subject = await userToken();
      const narrow = await exchanged(await exchange(subjectForm(subject.access_token, { scope: 'api:read', audience: [ORDERS], resource: [BILLING] })));
      assert.equal(narrow.body.scope, 'api:read');
      assert.deepEqual(narrow.claims.aud, [ORDERS, BILLING]);
      const own = await exchanged(await exchange(subjectForm(subject.access_token, { requested_token_type: JWT_TYPE })));
      assert.equal(own.claims.aud, GATEWAY_AUD);
      assert.equal(own.body.issued_token_type, JWT_TYPE);
    });

    it('never widens: scope beyond the subject token or the client, and unlisted audiences are refused', async () => {
      const subject = await userToken('mobile', 'openid api:read');
      await expectOAuthError(await exchange(subjectForm(subject.access_token, { scope: 'openid profile' })), 400, 'invalid_scope');
      const full = await userToken();
      await expectOAuthError(await exchange(subjectForm(full.access_token, { scope: 'api:write' })), 400, 'invalid_scope');
      await expectOAuthError(await exchange(subjectForm(full.access_token, { audience: 'https://evil.example' })), 400, 'invalid_target');
      await expectOAuthError(await exchange(subjectForm(full.access_token, { resource: [ORDERS, 'https://evil.example'] })), 400, 'invalid_target');
    });

    it('records the actor in act, nesting earlier actors on a second exchange', async () => {
      const subject = await userToken();
      const actor = await expectTokens(await postToken(server, { grant_type: 'client_credentials' }, { authorization: basic('service', CC_SECRET) }));
      const first = await exchanged(await exchange(subjectForm(subject.access_token, { actor_token: actor.access_token, actor_token_type: ACCESS_TOKEN_TYPE })));
      assert.deepEqual(first.claims.act, { sub: 'service' });
      assert.deepEqual((await introspect(server, first.body.access_token)).act, { sub: 'service' });
      const userActor = await userToken('mobile-opaque', 'openid api:read');
      const second = await exchanged(await exchange(subjectForm(first.body.access_token, { actor_token: userActor.access_token, actor_token_type: ACCESS_TOKEN_TYPE, audience: ORDERS })));
      assert.deepEqual(second.claims.act, { sub: first.claims.sub, act: { sub: 'service' } });
      const third = await exchanged(await exchange(subjectForm(second.body.access_token)));
      assert.deepEqual(third.claims.act, second.claims.act, 'without an actor token the chain is kept');
    });

    it('accepts an opaque subject token addressed to the client through its issuing client’s audience', async () => {
      const subject = await userToken('mobile-opaque', 'openid api:read');
      assert.equal(subject.access_token.split('.').length, 1);
      const { claims } = await exchanged(await exchange(subjectForm(subject.access_token, { audience: BILLING })));
      assert.equal(claims.aud, BILLING);
      await expectOAuthError(await exchange({ ...subjectForm(subject.access_token), subject_token_type: JWT_TYPE }), 400, 'invalid_request');
    });

    it('refuses tokens not meant for the client, tokens without a user, and malformed requests', async () => {
      const legacy = await expectTokens(await postToken(server, { grant_type: 'password', username: 'alice', password: ALICE_PASSWORD, scope: 'openid api:read', client_id: 'legacy', client_secret: CC_SECRET }));
      await expectOAuthError(await exchange(subjectForm(legacy.access_token)), 400, 'invalid_request');
      const cc = await expectTokens(await postToken(server, { grant_type: 'client_credentials' }, { authorization: basic('service', CC_SECRET) }));
      await expectOAuthError(await exchange(subjectForm(cc.access_token)), 400, 'invalid_request');
      const subject = await userToken();
      const bad: Record<string, string>[] = [
        { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' },
        { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
        { actor_token: subject.access_token },
        { actor_token_type: ACCESS_TOKEN_TYPE },
        { actor_token: 'garbage', actor_token_type: ACCESS_TOKEN_TYPE },
        { subject_token: 'garbage' },
      ];
      for (const extra of bad) await expectOAuthError(await exchange(subjectForm(subject.access_token, extra)), 400, 'invalid_request');
      await expectOAuthError(await exchange({ grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN_TYPE }), 400, 'invalid_request');
      await expectOAuthError(await exchange(subjectForm(subject.access_token), ASSERTER), 400, 'unauthorized_client');
    });

    it('an exchanged token dies with its grant, and a revoked subject token cannot be exchanged', async () => {
      const subject = await userToken();
      const { body } = await exchanged(await exchange(subjectForm(subject.access_token, { audience: ORDERS })));
      const revoked = await postForm(endpoints(server).revoke, { token: subject.refresh_token!, client_id: 'mobile', client_secret: CC_SECRET });
      assert.equal(revoked.status, 200);
      assert.equal((await introspect(server, body.access_token)).active, false, 'revoking the grant revoked the exchanged token');
      await expectOAuthError(await exchange(subjectForm(subject.access_token)), 400, 'invalid_request');
    });

    it('discovery lists both grants', async () => {
      const doc = await jsonObject(await fetch(endpoints(server).discovery));
      const grants = doc.grant_types_supported as string[];
      assert.ok(grants.includes(JWT_BEARER) && grants.includes(TOKEN_EXCHANGE));
      assert.equal(decodeJwt((await userToken()).access_token).aud, GATEWAY_AUD);
    });
  });
});
