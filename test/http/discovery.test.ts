/** OpenID Provider metadata (OIDC Discovery §3/§4, RFC 8414) and the JWKS (RFC 7517), with HTTP caching. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { startServer, type TestServer } from '../support/server.js';
import { endpoints, expectOAuthError, jsonObject } from '../support/token-helpers.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function stringList(value: unknown): string[] {
  assert.ok(Array.isArray(value), 'a JSON array');
  for (const item of value) assert.equal(typeof item, 'string');
  return value as string[];
}

describe('discovery and JWKS', () => {
  let server: TestServer;
  let doc: Record<string, unknown>;
  let keys: JWK[];

  before(async () => {
    server = await startServer();
    doc = await jsonObject(await fetch(endpoints(server).discovery));
    const jwks = await jsonObject(await fetch(endpoints(server).jwks));
    assert.ok(Array.isArray(jwks.keys));
    keys = jwks.keys as JWK[];
  });
  after(() => server.close());

  describe('discovery document', () => {
    it('is JSON, cacheable and readable cross-origin', async () => {
      const res = await fetch(endpoints(server).discovery);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.ok(res.headers.get('etag'));
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    });

    it('has an issuer equal to the URL prefix of the document', () => {
      assert.equal(doc.issuer, server.issuer);
      assert.equal(`${doc.issuer as string}/.well-known/openid-configuration`, endpoints(server).discovery);
    });

    it('puts every endpoint under the issuer', () => {
      const urls = Object.entries(doc).filter(([name]) => name.endsWith('_endpoint') || name === 'jwks_uri');
      const names = urls.map(([name]) => name);
      for (const required of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'introspection_endpoint', 'revocation_endpoint']) {
        assert.ok(names.includes(required), `${required} listed`);
      }
      for (const [name, value] of urls) {
        assert.equal(typeof value, 'string');
        assert.ok((value as string).startsWith(`${server.issuer}/`), `${name} is under the issuer`);
      }
      assert.equal(doc.token_endpoint, endpoints(server).token);
      assert.equal(doc.jwks_uri, endpoints(server).jwks);
    });

    it('advertises PKCE with S256', () => {
      assert.ok(stringList(doc.code_challenge_methods_supported).includes('S256'));
    });

    it('lists the token endpoint authentication methods', () => {
      const methods = stringList(doc.token_endpoint_auth_methods_supported);
      for (const m of ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt']) assert.ok(methods.includes(m), m);
      const algs = stringList(doc.token_endpoint_auth_signing_alg_values_supported);
      assert.ok(algs.includes('RS256') && algs.includes('HS256'));
      assert.ok(!algs.includes('none'));
    });

    it('lists grant types, response types, subject types', () => {
      const grants = stringList(doc.grant_types_supported);
      for (const g of ['authorization_code', 'refresh_token', 'client_credentials']) assert.ok(grants.includes(g), g);
      assert.deepEqual(stringList(doc.response_types_supported), ['code', 'id_token', 'token', 'id_token token', 'code id_token', 'code token', 'code id_token token']);
      assert.deepEqual(stringList(doc.response_modes_supported), ['query', 'fragment', 'form_post']);
      assert.ok(grants.includes('implicit'));
      assert.ok(stringList(doc.subject_types_supported).includes('public'));
    });

    it('lists claims and scopes', () => {
      const claims = stringList(doc.claims_supported);
      for (const c of ['sub', 'iss', 'email', 'email_verified', 'name']) assert.ok(claims.includes(c), c);
      const scopes = stringList(doc.scopes_supported);
      assert.ok(scopes.includes('openid'));
    });

    it('supports the iss authorization response parameter (RFC 9207)', () => {
      assert.equal(doc.authorization_response_iss_parameter_supported, true);
    });

    it('signs ID tokens with RS256 (and only with algorithms it has keys for)', () => {
      const algs = stringList(doc.id_token_signing_alg_values_supported);
      assert.ok(algs.includes('RS256'));
      for (const alg of algs) assert.ok(keys.some((k) => k.alg === alg), `a published key for ${alg}`);
      assert.ok(!algs.includes('none'));
    });
  });

  describe('JWKS', () => {
    it('is JSON and readable cross-origin', async () => {
      const res = await fetch(endpoints(server).jwks);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    });

    it('has keys with kid, use=sig and alg', () => {
      assert.ok(keys.length >= 2);
      for (const key of keys) {
        assert.equal(typeof key.kid, 'string');
        assert.ok(key.kid!.length > 0);
        assert.equal(key.use, 'sig');
        assert.equal(typeof key.alg, 'string');
        assert.equal(typeof key.kty, 'string');
      }
    });

    it('publishes no private or symmetric key material', () => {
      for (const key of keys) {
        assert.notEqual(key.kty, 'oct');
        for (const member of PRIVATE_MEMBERS) assert.ok(!(member in key), `${key.kid} has no ${member}`);
      }
    });

    it('has unique kids, each the RFC 7638 thumbprint of its key', async () => {
      const kids = keys.map((k) => k.kid);
      assert.equal(new Set(kids).size, kids.length);
      for (const key of keys) assert.equal(await calculateJwkThumbprint(key), key.kid);
    });

    it('has an EC P-256 key for ES256 and an RSA key of at least 2048 bits for RS256', () => {
      const ec = keys.find((k) => k.kty === 'EC');
      assert.ok(ec);
      assert.equal(ec.crv, 'P-256');
      assert.equal(ec.alg, 'ES256');
      assert.ok(ec.x && ec.y);
      const rsa = keys.find((k) => k.kty === 'RSA');
      assert.ok(rsa);
      assert.equal(rsa.alg, 'RS256');
      assert.ok(Buffer.from(rsa.n!, 'base64url').length >= 256);
    });
  });

  describe('HTTP caching', () => {
    for (const which of ['discovery', 'jwks'] as const) {
      it(`${which}: answers If-None-Match with the ETag by 304`, async () => {
        const url = endpoints(server)[which];
        const first = await fetch(url);
        const etag = first.headers.get('etag');
        assert.ok(etag);
        await first.arrayBuffer();
        const again = await fetch(url, { headers: { 'if-none-match': etag } });
        assert.equal(again.status, 304);
        assert.equal(again.headers.get('etag'), etag);
        assert.equal(await again.text(), '');
      });

      it(`${which}: answers a stale ETag with 200 and the document`, async () => {
        const res = await fetch(endpoints(server)[which], { headers: { 'if-none-match': '"stale"' } });
        assert.equal(res.status, 200);
        assert.ok((await res.text()).length > 0);
      });

      it(`${which}: matches If-None-Match by weak comparison and in a list (RFC 9110 §13.1.2)`, async () => {
        const url = endpoints(server)[which];
        const etag = (await fetch(url)).headers.get('etag')!;
        assert.equal((await fetch(url, { headers: { 'if-none-match': `W/${etag}` } })).status, 304);
        assert.equal((await fetch(url, { headers: { 'if-none-match': `"other", ${etag}` } })).status, 304);
        assert.equal((await fetch(url, { headers: { 'if-none-match': '*' } })).status, 304);
      });
    }
  });

  describe('unknown community', () => {
    for (const name of ['nope', 'UPPER', 'a'.repeat(100)]) {
      it(`answers 404 JSON for ${name.slice(0, 12)}`, async () => {
        await expectOAuthError(await fetch(`${server.base}/oauth2/community/${name}/.well-known/openid-configuration`), 404, 'not_found');
        await expectOAuthError(await fetch(`${server.base}/oauth2/community/${name}/v1/jwks`), 404, 'not_found');
      });
    }
  });
});
