import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ALICE_PASSWORD, WEB_SECRET, basic, postForm, startServer, type TestServer } from '../support/server.js';
import { TestBrowser } from '../support/browser.js';
import { authorizeThroughForms, authorizeUrl, pkcePair } from '../support/flows.js';

const REDIRECT = 'http://127.0.0.1:7777/cb';
const alice = { username: 'alice', password: ALICE_PASSWORD };

describe('authorization code flow over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('logs in, consents, redeems the code once, and SSO skips the login for the next client', async () => {
    const browser = new TestBrowser();
    const { verifier, challenge } = pkcePair();
    const location = await authorizeThroughForms(
      browser,
      authorizeUrl(server.issuer, { client_id: 'web', response_type: 'code', scope: 'openid email offline_access', redirect_uri: REDIRECT, state: 's-1', nonce: 'n-1', code_challenge: challenge, code_challenge_method: 'S256' }),
      alice,
    );
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get('state'), 's-1');
    assert.equal(location.searchParams.get('iss'), server.issuer);
    const code = location.searchParams.get('code')!;
    assert.ok(code.length >= 43);

    const res = await postForm(`${server.issuer}/v1/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic('web', WEB_SECRET) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const tokens = (await res.json()) as Record<string, string>;
    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.refresh_token);
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/v1/jwks`));
    const { payload: idToken, protectedHeader } = await jwtVerify(tokens.id_token!, jwks, { issuer: server.issuer, audience: 'web' });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(idToken.nonce, 'n-1');
    assert.ok(idToken.sid);
    const { protectedHeader: atHeader } = await jwtVerify(tokens.access_token!, jwks, { issuer: server.issuer, typ: 'at+jwt' });
    assert.equal(atHeader.alg, 'ES256');

    const again = await postForm(`${server.issuer}/v1/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, { authorization: basic('web', WEB_SECRET) });
    assert.equal(again.status, 400);
    assert.equal(((await again.json()) as { error: string }).error, 'invalid_grant');
    const refreshed = await postForm(`${server.issuer}/v1/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { authorization: basic('web', WEB_SECRET) });
    assert.equal(((await refreshed.json()) as { error: string }).error, 'invalid_grant', 'code reuse revoked the refresh token it issued');

    // Second client, same browser: no password asked (skip_consent client).
    const second = pkcePair();
    const sso = await browser.get(authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: second.challenge, code_challenge_method: 'S256' }));
    assert.equal(sso.status, 303);
    assert.ok(new URL(sso.headers.get('location')!).searchParams.get('code'));
  });
});
