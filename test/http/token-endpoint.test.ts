/**
 * The token endpoint's request handling (RFC 6749 §2.3, §3.2, §5.2; OIDC Core §9; RFC 7523): client authentication
 * with every supported method, request validation, and the shape of every error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { CC_SECRET, WEB_SECRET, basic, freePort, postForm, startServer, type TestServer } from '../support/server.js';
import { endpoints, expectOAuthError, expectTokens, fixtureWith, postToken } from '../support/token-helpers.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const ODD_ID = 'odd:id%+x';
const ODD_SECRET = 'odd secret:with%25 and+plus/=&? 0123456789';
const POST_SECRET = 'post-secret-0123456789abcdefghijklmnop';
const HMAC_SECRET = 'hmac-secret-0123456789abcdefghijklmnopq';
const CC = { grant_type: 'client_credentials' };

/** application/x-www-form-urlencoded encoding of one value (space as `+`). */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
const basicRaw = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;

type SigningKey = CryptoKey | Uint8Array;

interface KeyPair {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function keyPair(alg: 'RS256' | 'ES256', kid: string): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

describe('token endpoint: client authentication and request validation', () => {
  let server: TestServer;
  let jwksServer: Server;
  let jwksHits = 0;
  let rsa: KeyPair;
  let ec: KeyPair;
  let remote: KeyPair;
  let stranger: KeyPair;
  let tokenUrl: string;

  /** A client assertion (RFC 7523 §3) timed by the server's clock. */
  async function assertion(key: SigningKey, alg: string, claims: { sub: string; iss?: string; aud?: string | string[]; jti?: string | null; exp?: number; iat?: number; kid?: string }): Promise<string> {
    const now = server.clock.now();
    const jwt = new SignJWT(claims.jti === null ? {} : { jti: claims.jti ?? crypto.randomUUID() })
      .setProtectedHeader(claims.kid ? { alg, kid: claims.kid } : { alg })
      .setIssuer(claims.iss ?? claims.sub)
      .setSubject(claims.sub)
      .setAudience(claims.aud ?? tokenUrl)
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 60);
    return jwt.sign(key);
  }

  const hmacKey = new TextEncoder().encode(HMAC_SECRET);
  const withAssertion = (jwt: string, extra: Record<string, string> = {}) => postToken(server, { ...CC, client_assertion_type: JWT_BEARER, client_assertion: jwt, ...extra });

  before(async () => {
    [rsa, ec, remote, stranger] = await Promise.all([keyPair('RS256', 'rsa-1'), keyPair('ES256', 'ec-1'), keyPair('ES256', 'remote-1'), keyPair('RS256', 'rsa-1')]);
    jwksServer = createServer((req, res) => {
      if (req.url === '/broken') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [not json');
      jwksHits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [remote.jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksOrigin = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
    const jwksUri = `${jwksOrigin}/jwks`;
    const deadPort = await freePort();
    const cc = { grant_types: ['client_credentials'], response_types: [], scope: 'api:read' };
    server = await startServer({
      provisioning: fixtureWith([
        { client_id: ODD_ID, client_secret: ODD_SECRET, ...cc },
        { client_id: 'post-service', client_secret: POST_SECRET, token_endpoint_auth_method: 'client_secret_post', ...cc },
        { client_id: 'hmac-service', client_secret: HMAC_SECRET, token_endpoint_auth_method: 'client_secret_jwt', ...cc },
        { client_id: 'rsa-service', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [rsa.jwk] }, ...cc },
        { client_id: 'ec-service', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [ec.jwk] }, ...cc },
        { client_id: 'remote-service', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri, ...cc },
        { client_id: 'broken-jwks-service', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${jwksOrigin}/broken`, ...cc },
        { client_id: 'dead-jwks-service', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `http://127.0.0.1:${deadPort}/jwks`, ...cc },
      ]),
    });
    tokenUrl = endpoints(server).token;
  });
  after(async () => {
    await server.close();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  describe('client_secret_basic', () => {
    it('accepts the registered id and secret', async () => {
      const tokens = await expectTokens(await postToken(server, CC, { authorization: basic('service', CC_SECRET) }));
      assert.equal(tokens.scope, 'api:read api:write');
    });

    it('form-decodes id and secret (RFC 6749 §2.3.1) with percent-encoded spaces', async () => {
      await expectTokens(await postToken(server, CC, { authorization: basic(ODD_ID, ODD_SECRET) }));
    });

    it('form-decodes id and secret with `+` for spaces', async () => {
      assert.ok(formEncode(ODD_SECRET).includes('+'), 'the encoding under test uses +');
      const header = basicRaw(`${formEncode(ODD_ID)}:${formEncode(ODD_SECRET)}`);
      await expectTokens(await postToken(server, CC, { authorization: header }));
    });

    it('does not take un-encoded credentials literally', async () => {
      await expectOAuthError(await postToken(server, CC, { authorization: basicRaw(`${ODD_ID}:${ODD_SECRET}`) }), 401, 'invalid_client');
    });

    it('accepts a lower-case scheme name', async () => {
      await expectTokens(await postToken(server, CC, { authorization: basic('service', CC_SECRET).replace('Basic', 'basic') }));
    });

    it('refuses a wrong secret with 401 and a Basic challenge', async () => {
      const res = await postToken(server, CC, { authorization: basic('service', `${CC_SECRET}x`) });
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="[^"]*"$/);
      await expectOAuthError(res, 401, 'invalid_client');
    });

    it('refuses an unknown client the same way as a wrong secret', async () => {
      const wrong = await expectOAuthError(await postToken(server, CC, { authorization: basic('service', 'nope') }), 401, 'invalid_client');
      const unknown = await expectOAuthError(await postToken(server, CC, { authorization: basic('no-such-client', 'nope') }), 401, 'invalid_client');
      assert.equal(unknown.error_description, wrong.error_description, 'no client enumeration');
    });

    it('refuses a body client_id that differs from the Basic one', async () => {
      await expectOAuthError(await postToken(server, { ...CC, client_id: 'service-opaque' }, { authorization: basic('service', CC_SECRET) }), 401, 'invalid_client');
    });

    it('accepts a body client_id equal to the Basic one', async () => {
      await expectTokens(await postToken(server, { ...CC, client_id: 'service' }, { authorization: basic('service', CC_SECRET) }));
    });

    for (const [name, header] of [
      ['no colon', basicRaw('service')],
      ['invalid base64', 'Basic !!!not*base64!!!'],
      ['empty credentials', 'Basic '],
      ['bad percent-encoding', basicRaw(`service:%ZZ${CC_SECRET}`)],
      ['non-UTF-8 bytes', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x80, 0x81]).toString('base64')}`],
    ] as const) {
      it(`refuses a malformed Basic header (${name}) with 401, not 5xx`, async () => {
        await expectOAuthError(await postToken(server, CC, { authorization: header }), 401, 'invalid_client');
      });
    }
  });

  describe('client_secret_post', () => {
    it('accepts client_id and client_secret in the body', async () => {
      await expectTokens(await postToken(server, { ...CC, client_id: 'post-service', client_secret: POST_SECRET }));
    });

    it('refuses a wrong secret', async () => {
      const res = await postToken(server, { ...CC, client_id: 'post-service', client_secret: `${POST_SECRET}x` });
      // RFC 6749 §5.2: credentials in the body → 400 (401 with a challenge is for the Authorization header).
      assert.equal(res.headers.get('www-authenticate'), null);
      await expectOAuthError(res, 400, 'invalid_client');
    });

    it('refuses Basic for a client registered with client_secret_post', async () => {
      await expectOAuthError(await postToken(server, CC, { authorization: basic('post-service', POST_SECRET) }), 401, 'invalid_client');
    });

    it('refuses the body for a client registered with client_secret_basic', async () => {
      await expectOAuthError(await postToken(server, { ...CC, client_id: 'service', client_secret: CC_SECRET }), 400, 'invalid_client');
    });

    it('refuses client_secret without client_id', async () => {
      await expectOAuthError(await postToken(server, { ...CC, client_secret: POST_SECRET }), 400, 'invalid_client');
    });
  });

  describe('client_secret_jwt', () => {
    it('accepts an HS256 assertion with aud = the token endpoint', async () => {
      await expectTokens(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service' })));
    });

    it('accepts aud = the issuer', async () => {
      await expectTokens(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service', aud: server.issuer })));
    });

    it('accepts an aud array containing the token endpoint, and a matching body client_id', async () => {
      const jwt = await assertion(hmacKey, 'HS256', { sub: 'hmac-service', aud: ['https://elsewhere.example', tokenUrl] });
      await expectTokens(await withAssertion(jwt, { client_id: 'hmac-service' }));
    });

    it('refuses the same assertion twice (jti replay)', async () => {
      const jwt = await assertion(hmacKey, 'HS256', { sub: 'hmac-service' });
      await expectTokens(await withAssertion(jwt));
      await expectOAuthError(await withAssertion(jwt), 400, 'invalid_client');
    });

    it('accepts only one of several concurrent requests with the same assertion', async () => {
      const jwt = await assertion(hmacKey, 'HS256', { sub: 'hmac-service' });
      const responses = await Promise.all(Array.from({ length: 4 }, () => withAssertion(jwt)));
      assert.deepEqual(responses.map((r) => r.status).sort(), [200, 400, 400, 400]);
      await Promise.all(responses.map((r) => r.arrayBuffer()));
    });

    it('refuses a second assertion that reuses a jti', async () => {
      await expectTokens(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service', jti: 'fixed-jti-1' })));
      await expectOAuthError(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service', jti: 'fixed-jti-1', exp: server.clock.now() + 90 })), 400, 'invalid_client');
    });

    it('refuses an expired assertion', async () => {
      const now = server.clock.now();
      await expectOAuthError(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service', iat: now - 600, exp: now - 120 })), 400, 'invalid_client');
    });

    it('refuses a wrong aud', async () => {
      await expectOAuthError(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service', aud: 'https://elsewhere.example/token' })), 400, 'invalid_client');
    });

    it('refuses the introspection endpoint as aud at the token endpoint', async () => {
      await expectOAuthError(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service', aud: endpoints(server).introspect })), 400, 'invalid_client');
    });

    it('refuses an assertion made with another secret', async () => {
      const other = new TextEncoder().encode(`${HMAC_SECRET}-other`);
      await expectOAuthError(await withAssertion(await assertion(other, 'HS256', { sub: 'hmac-service' })), 400, 'invalid_client');
    });

    it('refuses an assertion without jti', async () => {
      await expectOAuthError(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service', jti: null })), 400, 'invalid_client');
    });

    it('refuses an assertion whose iss is not the client', async () => {
      await expectOAuthError(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service', iss: 'someone-else' })), 400, 'invalid_client');
    });

    it('refuses an assertion that expires too far in the future', async () => {
      await expectOAuthError(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service', exp: server.clock.now() + 86400 })), 400, 'invalid_client');
    });

    it('refuses the shared secret as Basic credentials (method other than registered)', async () => {
      await expectOAuthError(await postToken(server, CC, { authorization: basic('hmac-service', HMAC_SECRET) }), 401, 'invalid_client');
    });
  });

  describe('private_key_jwt', () => {
    it('accepts an RS256 assertion verified with the registered jwks', async () => {
      await expectTokens(await withAssertion(await assertion(rsa.privateKey, 'RS256', { sub: 'rsa-service', kid: 'rsa-1' })));
    });

    it('accepts an ES256 assertion verified with the registered jwks (no kid)', async () => {
      await expectTokens(await withAssertion(await assertion(ec.privateKey, 'ES256', { sub: 'ec-service' })));
    });

    it('accepts an assertion verified with keys fetched from jwks_uri', async () => {
      await expectTokens(await withAssertion(await assertion(remote.privateKey, 'ES256', { sub: 'remote-service', kid: 'remote-1' })));
      assert.ok(jwksHits >= 1, 'the JWKS was fetched from jwks_uri');
    });

    it('accepts aud = the issuer', async () => {
      await expectTokens(await withAssertion(await assertion(rsa.privateKey, 'RS256', { sub: 'rsa-service', aud: server.issuer })));
    });

    it('refuses an assertion signed with another key (same kid)', async () => {
      await expectOAuthError(await withAssertion(await assertion(stranger.privateKey, 'RS256', { sub: 'rsa-service', kid: 'rsa-1' })), 400, 'invalid_client');
    });

    it('refuses a jwks_uri assertion signed with another key', async () => {
      await expectOAuthError(await withAssertion(await assertion(ec.privateKey, 'ES256', { sub: 'remote-service', kid: 'remote-1' })), 400, 'invalid_client');
    });

    it('refuses the same assertion twice (jti replay)', async () => {
      const jwt = await assertion(ec.privateKey, 'ES256', { sub: 'ec-service' });
      await expectTokens(await withAssertion(jwt));
      await expectOAuthError(await withAssertion(jwt), 400, 'invalid_client');
    });

    it('refuses an expired assertion', async () => {
      const now = server.clock.now();
      await expectOAuthError(await withAssertion(await assertion(rsa.privateKey, 'RS256', { sub: 'rsa-service', iat: now - 900, exp: now - 300 })), 400, 'invalid_client');
    });

    it('refuses a wrong aud', async () => {
      await expectOAuthError(await withAssertion(await assertion(rsa.privateKey, 'RS256', { sub: 'rsa-service', aud: `${server.issuer}/v1/authorize` })), 400, 'invalid_client');
    });

    it('refuses an HS256 assertion (symmetric alg for a key-based client)', async () => {
      await expectOAuthError(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'rsa-service' })), 400, 'invalid_client');
    });

    it('refuses an unsigned (alg none) assertion', async () => {
      const now = server.clock.now();
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const unsigned = `${encode({ alg: 'none' })}.${encode({ iss: 'rsa-service', sub: 'rsa-service', aud: tokenUrl, jti: crypto.randomUUID(), exp: now + 60, iat: now })}.`;
      await expectOAuthError(await withAssertion(unsigned), 400, 'invalid_client');
    });

    it('refuses an assertion for a client registered with a secret method', async () => {
      await expectOAuthError(await withAssertion(await assertion(new TextEncoder().encode(CC_SECRET), 'HS256', { sub: 'service' })), 400, 'invalid_client');
    });

    it('refuses an assertion that is not a JWT', async () => {
      await expectOAuthError(await withAssertion('not-a-jwt'), 400, 'invalid_client');
    });

    it('refuses a wrong client_assertion_type', async () => {
      const jwt = await assertion(rsa.privateKey, 'RS256', { sub: 'rsa-service' });
      await expectOAuthError(await postToken(server, { ...CC, client_assertion_type: 'urn:example:other', client_assertion: jwt }), 400, 'invalid_request');
    });

    it('refuses client_assertion_type without client_assertion', async () => {
      await expectOAuthError(await postToken(server, { ...CC, client_assertion_type: JWT_BEARER }), 400, 'invalid_request');
    });

    it('refuses (401, not 5xx) when jwks_uri serves no valid JWKS', async () => {
      await expectOAuthError(await withAssertion(await assertion(remote.privateKey, 'ES256', { sub: 'broken-jwks-service', kid: 'remote-1' })), 400, 'invalid_client');
    });

    it('refuses (401, not 5xx) when jwks_uri is unreachable', async () => {
      await expectOAuthError(await withAssertion(await assertion(remote.privateKey, 'ES256', { sub: 'dead-jwks-service', kid: 'remote-1' })), 400, 'invalid_client');
    });

    it('refuses a body client_id that differs from the assertion subject', async () => {
      const jwt = await assertion(rsa.privateKey, 'RS256', { sub: 'rsa-service' });
      await expectOAuthError(await withAssertion(jwt, { client_id: 'ec-service' }), 400, 'invalid_client');
    });
  });

  describe('assertions at introspection and revocation', () => {
    it('accepts an assertion whose aud is the endpoint called', async () => {
      const url = endpoints(server);
      const introspection = await postForm(url.introspect, { token: 'x', client_assertion_type: JWT_BEARER, client_assertion: await assertion(hmacKey, 'HS256', { sub: 'hmac-service', aud: url.introspect }) });
      assert.equal(introspection.status, 200);
      assert.deepEqual(await introspection.json(), { active: false });
      const revocation = await postForm(url.revoke, { token: 'x', client_assertion_type: JWT_BEARER, client_assertion: await assertion(rsa.privateKey, 'RS256', { sub: 'rsa-service', aud: url.revoke }) });
      assert.equal(revocation.status, 200);
    });

    it('refuses an assertion already used at the token endpoint', async () => {
      const jwt = await assertion(hmacKey, 'HS256', { sub: 'hmac-service', aud: server.issuer });
      await expectTokens(await withAssertion(jwt));
      await expectOAuthError(await postForm(endpoints(server).introspect, { token: 'x', client_assertion_type: JWT_BEARER, client_assertion: jwt }), 400, 'invalid_client');
    });
  });

  describe('none (public clients)', () => {
    it('authenticates a public client by client_id alone', async () => {
      // The client is authenticated (no invalid_client): the made-up code is what fails.
      await expectOAuthError(await postToken(server, { grant_type: 'authorization_code', code: 'made-up', redirect_uri: 'http://127.0.0.1:7777/cb', client_id: 'spa' }), 400, 'invalid_grant');
    });

    it('refuses a client_secret from a public client', async () => {
      await expectOAuthError(await postToken(server, { grant_type: 'authorization_code', code: 'made-up', client_id: 'spa', client_secret: 'x'.repeat(40) }), 400, 'invalid_client');
    });

    it('refuses a confidential client presenting only its client_id', async () => {
      await expectOAuthError(await postToken(server, { ...CC, client_id: 'service' }), 400, 'invalid_client');
    });

    it('refuses a request with no client identification at all', async () => {
      const res = await postToken(server, CC);
      assert.ok(res.headers.get('www-authenticate'));
      await expectOAuthError(res, 401, 'invalid_client');
    });
  });

  describe('more than one method', () => {
    it('refuses Basic plus client_secret in the body', async () => {
      await expectOAuthError(await postToken(server, { ...CC, client_secret: CC_SECRET }, { authorization: basic('service', CC_SECRET) }), 400, 'invalid_request');
    });

    it('refuses Basic plus a client assertion', async () => {
      const jwt = await assertion(rsa.privateKey, 'RS256', { sub: 'rsa-service' });
      const res = await postToken(server, { ...CC, client_assertion_type: JWT_BEARER, client_assertion: jwt }, { authorization: basic('service', CC_SECRET) });
      await expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses client_secret plus a client assertion', async () => {
      const jwt = await assertion(hmacKey, 'HS256', { sub: 'hmac-service' });
      await expectOAuthError(await withAssertion(jwt, { client_id: 'hmac-service', client_secret: HMAC_SECRET }), 400, 'invalid_request');
    });
  });

  describe('request validation', () => {
    const auth = () => ({ authorization: basic('service', CC_SECRET) });

    it('requires grant_type', async () => {
      await expectOAuthError(await postToken(server, { scope: 'api:read' }, auth()), 400, 'invalid_request');
    });

    for (const grantType of ['implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'token', '__proto__']) {
      it(`answers unsupported_grant_type for ${grantType}`, async () => {
        await expectOAuthError(await postToken(server, { grant_type: grantType }, auth()), 400, 'unsupported_grant_type');
      });
    }

    it('answers unauthorized_client for a grant the client is not registered for', async () => {
      await expectOAuthError(await postToken(server, { grant_type: 'authorization_code', code: 'x', redirect_uri: 'http://127.0.0.1:7777/cb' }, auth()), 400, 'unauthorized_client');
      await expectOAuthError(await postToken(server, CC, { authorization: basic('web', WEB_SECRET) }), 400, 'unauthorized_client');
      await expectOAuthError(await postToken(server, { grant_type: 'password', username: 'alice', password: 'x' }, { authorization: basic('web', WEB_SECRET) }), 400, 'unauthorized_client');
      await expectOAuthError(await postToken(server, { grant_type: 'refresh_token', refresh_token: 'x' }, auth()), 400, 'unauthorized_client');
    });

    it('refuses a JSON body', async () => {
      const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: JSON.stringify(CC) });
      await expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses a text/plain body and a missing content type', async () => {
      const plain = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'text/plain', ...auth() }, body: 'grant_type=client_credentials' });
      await expectOAuthError(plain, 400, 'invalid_request');
      const none = await fetch(tokenUrl, { method: 'POST', headers: auth() });
      await expectOAuthError(none, 400, 'invalid_request');
    });

    it('accepts a form content type with a charset parameter', async () => {
      const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', ...auth() }, body: 'grant_type=client_credentials' });
      await expectTokens(res);
    });

    it('refuses a repeated parameter', async () => {
      const post = (body: string) => fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth() }, body });
      await expectOAuthError(await post('grant_type=client_credentials&grant_type=client_credentials'), 400, 'invalid_request');
      await expectOAuthError(await post('grant_type=client_credentials&scope=api:read&scope=api:write'), 400, 'invalid_request');
    });

    it('refuses a repeated client_id', async () => {
      const body = `grant_type=client_credentials&client_id=post-service&client_id=post-service&client_secret=${POST_SECRET}`;
      const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      await expectOAuthError(res, 400, 'invalid_request');
    });

    it('keeps `"` and `\\` out of error_description even when echoing input', async () => {
      const body = await expectOAuthError(await postToken(server, { grant_type: 'evil"grant\\type\u0001é' }, auth()), 400, 'unsupported_grant_type');
      assert.ok(!/["\\]/.test(body.error_description));
    });

    it('sends no-store and no-cache on success', async () => {
      const res = await postToken(server, CC, auth());
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('pragma'), 'no-cache');
      await expectTokens(res);
    });
  });

  describe('garbage never yields a 5xx', () => {
    const send = (body: string | Uint8Array<ArrayBuffer>, contentType = 'application/x-www-form-urlencoded', headers: Record<string, string> = {}) =>
      fetch(tokenUrl, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });

    async function expectClientError(res: Response): Promise<void> {
      const text = await res.text();
      assert.ok(res.status >= 400 && res.status < 500, `4xx expected, got ${res.status}: ${text.slice(0, 200)}`);
      if (text.length > 0) {
        const body = JSON.parse(text) as { error?: unknown };
        assert.equal(typeof body.error, 'string');
      }
    }

    it('a huge body', async () => {
      await expectClientError(await send(`grant_type=client_credentials&scope=${'a'.repeat(200_000)}`, undefined, { authorization: basic('service', CC_SECRET) }));
    });

    it('a huge parameter inside the limit', async () => {
      await expectClientError(await send(`grant_type=${'g'.repeat(60_000)}`, undefined, { authorization: basic('service', CC_SECRET) }));
      await expectClientError(await send(`grant_type=client_credentials&client_id=${'c'.repeat(60_000)}`));
    });

    it('binary bytes as a form', async () => {
      const bytes = new Uint8Array(4096);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
      await expectClientError(await send(bytes));
      await expectClientError(await send(bytes, 'application/octet-stream'));
    });

    it('broken percent-encoding and odd separators', async () => {
      for (const body of ['%', '%%%=%%%', 'grant_type=%E0%A4%A&client_id=%ZZ', '&&&===&=', 'grant_type', '=client_credentials', '__proto__=x&constructor=y&grant_type=client_credentials']) {
        await expectClientError(await send(body));
      }
    });

    it('malformed JSON', async () => {
      await expectClientError(await send('{"grant_type":', 'application/json'));
    });

    it('an invalid Basic header with a form body', async () => {
      await expectClientError(await send('grant_type=client_credentials', undefined, { authorization: 'Basic %%%%' }));
      await expectClientError(await send('grant_type=client_credentials', undefined, { authorization: 'Basic' }));
      await expectClientError(await send('grant_type=client_credentials', undefined, { authorization: `Basic ${'QUFB'.repeat(2000)}` }));
    });

    it('unknown community', async () => {
      const res = await postToken({ ...server, issuer: `${server.base}/oauth2/community/nope` }, CC, { authorization: basic('service', CC_SECRET) });
      await expectOAuthError(res, 404, 'not_found');
    });
  });

  describe('assertion lifetime follows the server clock', () => {
    it('refuses an assertion that has expired by the server clock', async () => {
      const jwt = await assertion(hmacKey, 'HS256', { sub: 'hmac-service' });
      server.clock.advance(600);
      await expectOAuthError(await withAssertion(jwt), 400, 'invalid_client');
      // A fresh assertion, timed by the (advanced) server clock, is accepted.
      await expectTokens(await withAssertion(await assertion(hmacKey, 'HS256', { sub: 'hmac-service' })));
    });
  });
});
