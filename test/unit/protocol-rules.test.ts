import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { s256, verifierMatches } from '../../src/oauth/pkce.js';
import { claimsForScopes, parseScope, requireAllowedScopes } from '../../src/oauth/scopes.js';
import { Params } from '../../src/oauth/params.js';
import { OAuthError } from '../../src/oauth/errors.js';
import { halfHash } from '../../src/oauth/id-token.js';
import { checkMaxAge, checkPkce, checkPrompt, redirectUriMatches } from '../../src/oauth/authorize/checks.js';
import { toClient, type ClientMetadata } from '../../src/oauth/client.js';
import { loginNeeded } from '../../src/oauth/authorize/index.js';
import type { AuthorizationRequest } from '../../src/oauth/authorize/request.js';

const errorCode = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof OAuthError) return err.error;
    throw err;
  }
  return undefined;
};

function client(overrides: Partial<ClientMetadata> = {}) {
  const metadata: ClientMetadata = {
    client_id: 'c',
    application_type: 'web',
    redirect_uris: ['https://app.example/cb'],
    post_logout_redirect_uris: [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile',
    id_token_signed_response_alg: 'RS256',
    skip_consent: false,
    access_token_format: 'jwt',
    allow_plain_pkce: false,
    require_pkce: false,
    ...overrides,
  };
  return toClient(metadata, null, null);
}

describe('PKCE (RFC 7636)', () => {
  it('S256 matches the RFC 7636 appendix B example', () => {
    assert.equal(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    assert.ok(verifierMatches('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'S256'));
  });
  it('refuses verifiers outside 43–128 unreserved characters', () => {
    assert.equal(verifierMatches('short', 'short', 'plain'), false);
    assert.equal(verifierMatches('a'.repeat(129), 'a'.repeat(129), 'plain'), false);
    assert.equal(verifierMatches(`${'a'.repeat(42)}!`, `${'a'.repeat(42)}!`, 'plain'), false);
  });
  it('requires a challenge from public clients and refuses plain unless allowed', () => {
    const pub = client({ token_endpoint_auth_method: 'none' });
    assert.equal(errorCode(() => checkPkce(Params.from({}), pub)), 'invalid_request');
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    assert.equal(errorCode(() => checkPkce(Params.from({ code_challenge: challenge }), client())), 'invalid_request', 'method defaults to plain');
    assert.deepEqual(checkPkce(Params.from({ code_challenge: challenge }), client({ allow_plain_pkce: true })), { code_challenge: challenge, code_challenge_method: 'plain' });
    assert.deepEqual(checkPkce(Params.from({ code_challenge: challenge, code_challenge_method: 'S256' }), pub), { code_challenge: challenge, code_challenge_method: 'S256' });
    assert.equal(errorCode(() => checkPkce(Params.from({ code_challenge: challenge, code_challenge_method: 'S512' }), pub)), 'invalid_request');
    assert.equal(errorCode(() => checkPkce(Params.from({}), client({ require_pkce: true }))), 'invalid_request');
    assert.deepEqual(checkPkce(Params.from({}), client()), {});
  });
});

describe('scopes and claims', () => {
  it('parses, de-duplicates and refuses malformed scope tokens', () => {
    assert.deepEqual(parseScope('openid  email openid'), ['openid', 'email']);
    assert.equal(errorCode(() => parseScope('openid "x"')), 'invalid_request');
  });
  it('refuses scopes not registered for the client', () => {
    assert.equal(errorCode(() => requireAllowedScopes(['openid', 'admin'], new Set(['openid']))), 'invalid_scope');
  });
  it('releases only the claims of the granted scopes (OIDC Core §5.4)', () => {
    const claims = { name: 'A', email: 'a@x', email_verified: true, phone_number: '+1' };
    assert.deepEqual(claimsForScopes(['openid', 'email'], claims), { email: 'a@x', email_verified: true });
    assert.deepEqual(claimsForScopes(['profile'], claims), { name: 'A' });
  });
});

describe('parameters (RFC 6749 §3.1)', () => {
  it('treats empty values as absent and refuses repeated parameters', () => {
    const p = Params.from({ a: '', b: ['1', '2'], c: 'x' });
    assert.equal(p.get('a'), undefined);
    assert.equal(errorCode(() => p.get('b')), 'invalid_request');
    assert.equal(p.require('c'), 'x');
    assert.equal(errorCode(() => p.require('a')), 'invalid_request');
  });
});

describe('error descriptions', () => {
  it('never contain quotes, backslashes or control characters (RFC 6749 §5.2)', () => {
    const e = new OAuthError('invalid_request', 'bad "value" \\ here\n');
    assert.match(e.description, /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
    assert.equal(e.status, 400);
    assert.equal(new OAuthError('invalid_client', 'x').status, 401);
  });
});

describe('ID token hashes', () => {
  it('at_hash matches the OIDC Core example', () => {
    assert.equal(halfHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y'), '77QmUPtjPfzWtF2AnpK9RQ');
  });
});

describe('redirect URI matching (RFC 9700 §4.1.3, RFC 8252 §7.3)', () => {
  it('is exact string comparison for web clients', () => {
    const c = client();
    assert.ok(redirectUriMatches(c, 'https://app.example/cb'));
    for (const bad of ['https://app.example/cb/', 'https://app.example/cb?x=1', 'https://APP.example/cb', 'https://app.example/cb#f', 'https://app.example:443/cb']) {
      assert.equal(redirectUriMatches(c, bad), false, bad);
    }
  });
  it('lets the port of a native client loopback IP redirect vary, nothing else', () => {
    const c = client({ application_type: 'native', redirect_uris: ['http://127.0.0.1/cb'] });
    assert.ok(redirectUriMatches(c, 'http://127.0.0.1:53123/cb'));
    assert.equal(redirectUriMatches(c, 'http://127.0.0.1:53123/other'), false);
    assert.equal(redirectUriMatches(c, 'http://localhost:53123/cb'), false);
    assert.equal(redirectUriMatches(client({ redirect_uris: ['http://127.0.0.1/cb'] }), 'http://127.0.0.1:53123/cb'), false);
  });
});

describe('prompt and max_age (OIDC Core §3.1.2.1)', () => {
  it('refuses prompt=none combined with other values and unknown values', () => {
    assert.deepEqual(checkPrompt(Params.from({ prompt: 'login consent' })), ['login', 'consent']);
    assert.equal(errorCode(() => checkPrompt(Params.from({ prompt: 'none login' }))), 'invalid_request');
    assert.equal(errorCode(() => checkPrompt(Params.from({ prompt: 'bogus' }))), 'invalid_request');
  });
  it('max_age must be a non-negative integer', () => {
    assert.equal(checkMaxAge(Params.from({ max_age: '0' })), 0);
    assert.equal(errorCode(() => checkMaxAge(Params.from({ max_age: '-1' }))), 'invalid_request');
    assert.equal(errorCode(() => checkMaxAge(Params.from({ max_age: '1.5' }))), 'invalid_request');
  });
  it('asks for a login when there is no session, prompt=login, max_age passed, or id_token_hint names someone else', () => {
    const request: AuthorizationRequest = { client_id: 'c', redirect_uri: 'x', response_type: 'code', response_mode: 'query', scope: ['openid'], prompt: [] };
    const login = { userId: 'u1', authTime: 1000, amr: ['pwd'], acr: null, sid: 's' };
    assert.equal(loginNeeded(request, undefined, 2000), true);
    assert.equal(loginNeeded(request, login, 2000), false);
    assert.equal(loginNeeded({ ...request, prompt: ['login'] }, login, 2000), true);
    assert.equal(loginNeeded({ ...request, max_age: 999 }, login, 2000), true);
    assert.equal(loginNeeded({ ...request, max_age: 1000 }, login, 2000), false);
    assert.equal(loginNeeded({ ...request, hinted_sub: 'u2' }, login, 2000), true);
  });
});
