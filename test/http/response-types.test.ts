/**
 * Every response type and response mode of the authorization endpoint (OAuth 2.0 Multiple Response Types, Form Post
 * Response Mode, OIDC Core §3.2, §3.3, RFC 9207): each allowed combination over HTTP, with the ID token's signature,
 * nonce and at_hash / c_hash / s_hash recomputed; the refused combinations; errors in the fragment and in form_post;
 * implicit and hybrid off for a client that did not register them; discovery; and openid-client driving the hybrid
 * (`code id_token`) and implicit (`id_token`) flows, in fragment and form_post.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import * as client from 'openid-client';
import { WEB_SECRET, basic, postForm, startServer, type TestServer } from '../support/server.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { authorizeThroughForms, authorizeUrl, pkcePair } from '../support/flows.js';
import { ALICE, REDIRECT, endpoints, fixtureWith } from '../support/token-helpers.js';

const ALL_TYPES = ['code', 'id_token', 'token', 'id_token token', 'code id_token', 'code token', 'code id_token token'];
const MODES = ['query', 'fragment', 'form_post'] as const;
type Mode = (typeof MODES)[number];

/** OIDC Core §3.1.3.6 / §3.3.2.11, FAPI 1.0 §5.2.2.1: base64url of the left half of SHA-256 (RS256 and ES256). */
const halfSha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest().subarray(0, 16).toString('base64url');

interface Received {
  mode: Mode;
  target: string;
  params: URLSearchParams;
  response: Response;
  html?: string;
}

const decodeEntities = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** What the client received: a 303 to the redirect URI (query or fragment) or a form_post page. */
async function received(response: Response): Promise<Received> {
  if (response.status === 303) {
    const location = new URL(response.headers.get('location')!);
    const target = `${location.origin}${location.pathname}`;
    if (location.hash) return { mode: 'fragment', target, params: new URLSearchParams(location.hash.slice(1)), response };
    return { mode: 'query', target, params: location.searchParams, response };
  }
  const html = await response.text();
  assert.equal(response.status, 200, html.slice(0, 300));
  const action = /<form method="post" action="([^"]+)">/.exec(html);
  assert.ok(action, 'a form_post page');
  return { mode: 'form_post', target: decodeEntities(action[1]!), params: new URLSearchParams(hiddenInputs(html)), response, html };
}

/** Form Post Response Mode §2 and the page's security: nonce-only script, form-action, no caching, no framing. */
function checkFormPostPage(r: Received): void {
  assert.equal(r.mode, 'form_post');
  const csp = r.response.headers.get('content-security-policy') ?? '';
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
  assert.ok(nonce, csp);
  assert.ok(!csp.includes('unsafe-inline'), csp);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, new RegExp(`form-action ${new URL(r.target).origin.replace(/\./g, '\\.')}(;|$)`));
  assert.match(csp, /frame-ancestors 'none'/);
  assert.ok(r.html!.includes(`<script nonce="${nonce}">document.forms[0].submit();</script>`));
  assert.match(r.html!, /<noscript>.*<button type="submit">Continue<\/button><\/noscript>/s);
  assert.equal(r.response.headers.get('cache-control'), 'no-store');
  assert.match(r.response.headers.get('content-type') ?? '', /^text\/html/);
}

describe('response types and response modes', () => {
  let server: TestServer;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const browser = new TestBrowser();

  const hybridClient = (client_id: string, extra: Record<string, unknown> = {}) => ({
    client_id,
    client_secret: WEB_SECRET,
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'implicit', 'refresh_token'],
    response_types: ALL_TYPES,
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid profile email offline_access',
    skip_consent: true,
    ...extra,
  });

  before(async () => {
    server = await startServer({
      provisioning: fixtureWith([
        hybridClient('hybrid', { id_token_signed_response_alg: 'ES256' }),
        hybridClient('hybrid-rs'),
        hybridClient('asks-consent', { skip_consent: false }),
        // Registered in another order than requested: compared as sets.
        { client_id: 'implicit-spa', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['implicit'], response_types: ['token id_token', 'id_token'], scope: 'openid email', skip_consent: true },
      ]),
    });
    jwks = createRemoteJWKSet(new URL(endpoints(server).jwks));
    // One SSO session for the browser; every request below is answered at once.
    const { challenge } = pkcePair();
    const location = await authorizeThroughForms(browser, authorizeUrl(server.issuer, { client_id: 'hybrid', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' }), ALICE);
    assert.ok(location.searchParams.get('code'));
  });
  after(() => server.close());

  const request = (params: Record<string, string>) => browser.get(authorizeUrl(server.issuer, params));

  async function verifyIdToken(idToken: string, clientId: string, nonce: string): Promise<JWTPayload> {
    const { payload, protectedHeader } = await jwtVerify(idToken, jwks, { issuer: server.issuer, audience: clientId });
    assert.equal(protectedHeader.alg, clientId === 'hybrid' ? 'ES256' : 'RS256');
    assert.equal(payload.nonce, nonce);
    return payload;
  }

  describe('every allowed combination carries what its type says, with iss and state', () => {
    for (const clientId of ['hybrid', 'hybrid-rs']) {
      for (const responseType of ALL_TYPES) {
        const parts = new Set(responseType.split(' '));
        const modes: (Mode | undefined)[] = [undefined, ...MODES.filter((m) => m !== 'query' || responseType === 'code')];
        for (const mode of modes) {
          it(`${clientId}: ${responseType} in ${mode ?? 'the default mode'}`, async () => {
            const state = `st-${randomBytes(6).toString('base64url')}`;
            const nonce = `n-${randomBytes(6).toString('base64url')}`;
            const pkce = pkcePair();
            const params: Record<string, string> = { client_id: clientId, response_type: responseType, scope: 'openid email', redirect_uri: REDIRECT, state, nonce };
            if (parts.has('code')) Object.assign(params, { code_challenge: pkce.challenge, code_challenge_method: 'S256' });
            if (mode) params.response_mode = mode;
            const r = await received(await request(params));
            assert.equal(r.mode, mode ?? (responseType === 'code' ? 'query' : 'fragment'));
            assert.equal(r.target, REDIRECT);
            if (r.mode === 'form_post') checkFormPostPage(r);
            const p = r.params;
            assert.equal(p.get('iss'), server.issuer);
            assert.equal(p.get('state'), state);
            assert.equal(p.get('error'), null, p.get('error_description') ?? '');
            assert.equal(p.has('code'), parts.has('code'));
            assert.equal(p.has('access_token'), parts.has('token'));
            assert.equal(p.has('id_token'), parts.has('id_token'));
            assert.equal(p.get('refresh_token'), null, 'never a refresh token from the authorization endpoint');
            if (parts.has('token')) {
              assert.equal(p.get('token_type'), 'Bearer');
              assert.ok(Number(p.get('expires_in')) > 0);
              assert.equal(p.get('scope'), 'openid email');
              const info = await fetch(endpoints(server).userinfo, { headers: { authorization: `Bearer ${p.get('access_token')}` } });
              assert.equal(info.status, 200);
              assert.equal(((await info.json()) as { email?: string }).email, 'alice@example.com');
            } else {
              assert.equal(p.get('token_type'), null);
            }
            if (parts.has('id_token')) {
              const claims = await verifyIdToken(p.get('id_token')!, clientId, nonce);
              assert.equal(claims.s_hash, halfSha256(state));
              assert.equal(claims.c_hash, parts.has('code') ? halfSha256(p.get('code')!) : undefined);
              assert.equal(claims.at_hash, parts.has('token') ? halfSha256(p.get('access_token')!) : undefined);
              // OIDC Core §5.4: with no access token the ID token carries the granted scopes' claims.
              assert.equal(claims.email, responseType === 'id_token' ? 'alice@example.com' : undefined);
              assert.ok(typeof claims.sid === 'string' && typeof claims.auth_time === 'number');
            }
            if (parts.has('code')) {
              const res = await postForm(endpoints(server).token, { grant_type: 'authorization_code', code: p.get('code')!, redirect_uri: REDIRECT, code_verifier: pkce.verifier }, { authorization: basic(clientId, WEB_SECRET) });
              const body = (await res.json()) as { access_token?: string; id_token?: string };
              assert.equal(res.status, 200, JSON.stringify(body));
              assert.ok(body.access_token);
              const fromToken = await verifyIdToken(body.id_token!, clientId, nonce);
              assert.equal(fromToken.sub, (await jwtVerify(body.access_token!, jwks)).payload.sub);
            }
          });
        }
      }
    }

    it('compares response_type values as sets ("token id_token" is "id_token token")', async () => {
      const r = await received(await request({ client_id: 'implicit-spa', response_type: 'token id_token', scope: 'openid email', redirect_uri: REDIRECT, state: 's', nonce: 'n' }));
      assert.equal(r.mode, 'fragment');
      assert.ok(r.params.get('access_token') && r.params.get('id_token'));
      const claims = await verifyIdToken(r.params.get('id_token')!, 'implicit-spa', 'n');
      assert.equal(claims.at_hash, halfSha256(r.params.get('access_token')!));
    });

    it('a public client gets implicit responses without PKCE; state is optional (no s_hash without it)', async () => {
      const r = await received(await request({ client_id: 'implicit-spa', response_type: 'id_token', scope: 'openid', redirect_uri: REDIRECT, nonce: 'n2' }));
      assert.equal(r.params.get('state'), null);
      assert.equal(r.params.get('iss'), server.issuer);
      const claims = await verifyIdToken(r.params.get('id_token')!, 'implicit-spa', 'n2');
      assert.equal(claims.s_hash, undefined);
    });

    it('hashes a state with non-ASCII characters over its UTF-8 octets', async () => {
      const state = 'état=1&x y';
      const r = await received(await request({ client_id: 'hybrid', response_type: 'code id_token', scope: 'openid', redirect_uri: REDIRECT, state, nonce: 'n3', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }));
      assert.equal(r.params.get('state'), state);
      assert.equal((await verifyIdToken(r.params.get('id_token')!, 'hybrid', 'n3')).s_hash, halfSha256(state));
    });

    it('the access token from the authorization endpoint belongs to the code\'s grant: replaying the code revokes it', async () => {
      const pkce = pkcePair();
      const r = await received(await request({ client_id: 'hybrid', response_type: 'code token', scope: 'openid email', redirect_uri: REDIRECT, state: 's', code_challenge: pkce.challenge, code_challenge_method: 'S256' }));
      const redeem = () => postForm(endpoints(server).token, { grant_type: 'authorization_code', code: r.params.get('code')!, redirect_uri: REDIRECT, code_verifier: pkce.verifier }, { authorization: basic('hybrid', WEB_SECRET) });
      assert.equal((await redeem()).status, 200);
      assert.equal((await redeem()).status, 400);
      const info = await fetch(endpoints(server).userinfo, { headers: { authorization: `Bearer ${r.params.get('access_token')}` } });
      assert.equal(info.status, 401);
    });
  });

  describe('refused requests', () => {
    const base = (extra: Record<string, string>) => ({ client_id: 'hybrid', scope: 'openid', redirect_uri: REDIRECT, state: 'st', nonce: 'n', ...extra });
    const expectError = async (params: Record<string, string>, mode: Mode, error: string, description?: RegExp) => {
      const r = await received(await request(params));
      assert.equal(r.mode, mode);
      if (mode === 'form_post') checkFormPostPage(r);
      assert.equal(r.params.get('error'), error, r.params.get('error_description') ?? '');
      if (description) assert.match(r.params.get('error_description') ?? '', description);
      assert.equal(r.params.get('iss'), server.issuer);
      assert.equal(r.params.get('state'), 'st');
      for (const name of ['code', 'access_token', 'id_token']) assert.equal(r.params.get(name), null);
      return r;
    };

    for (const responseType of ALL_TYPES.filter((t) => t !== 'code')) {
      it(`response_mode=query with ${responseType} is invalid_request, answered in the fragment`, async () => {
        await expectError(base({ response_type: responseType, response_mode: 'query', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }), 'fragment', 'invalid_request', /response_mode query/);
      });
    }

    for (const responseType of ALL_TYPES.filter((t) => t.includes('id_token'))) {
      it(`${responseType} without nonce is invalid_request`, async () => {
        const params = base({ response_type: responseType, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
        delete (params as Record<string, string>).nonce;
        await expectError(params, 'fragment', 'invalid_request', /nonce is required/);
      });
    }

    it('an ID token needs the openid scope', async () => {
      await expectError(base({ response_type: 'id_token token', scope: 'email' }), 'fragment', 'invalid_request', /openid/);
    });

    it('a client that registered only code gets unauthorized_client for implicit and hybrid types (in their default mode)', async () => {
      for (const responseType of ALL_TYPES.filter((t) => t !== 'code')) {
        await expectError({ client_id: 'web', response_type: responseType, scope: 'openid', redirect_uri: REDIRECT, state: 'st', nonce: 'n', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }, 'fragment', 'unauthorized_client');
      }
    });

    it('a client registered for some implicit types gets unauthorized_client for the others', async () => {
      await expectError({ client_id: 'implicit-spa', response_type: 'token', scope: 'openid', redirect_uri: REDIRECT, state: 'st' }, 'fragment', 'unauthorized_client');
      await expectError({ client_id: 'implicit-spa', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'st', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }, 'query', 'unauthorized_client');
    });

    it('an unknown response_type is unsupported_response_type in the query; an unknown response_mode is invalid_request', async () => {
      await expectError(base({ response_type: 'code code' }), 'query', 'unsupported_response_type');
      await expectError(base({ response_type: 'id_token', response_mode: 'jwt' }), 'fragment', 'invalid_request', /response_mode jwt/);
      await expectError(base({ response_type: 'code', response_mode: 'web_message', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }), 'query', 'invalid_request');
    });

    it('without a response_type the error goes in the requested response mode, else the query', async () => {
      await expectError(base({ response_mode: 'form_post' }), 'form_post', 'invalid_request', /response_type is required/);
      await expectError(base({ response_mode: 'fragment' }), 'fragment', 'invalid_request', /response_type is required/);
      await expectError(base({ response_type: 'token code device', response_mode: 'form_post' }), 'form_post', 'unsupported_response_type');
      await expectError(base({}), 'query', 'invalid_request', /response_type is required/);
    });

    it('errors use the requested response mode when it is valid: fragment and form_post', async () => {
      await expectError(base({ response_type: 'code', response_mode: 'fragment', scope: 'openid admin', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }), 'fragment', 'invalid_scope');
      await expectError(base({ response_type: 'code', response_mode: 'form_post', scope: 'openid admin', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }), 'form_post', 'invalid_scope');
      await expectError(base({ response_type: 'code id_token', response_mode: 'form_post', prompt: 'none login' }), 'form_post', 'invalid_request');
    });

    it('prompt=none without a session answers login_required in form_post', async () => {
      const fresh = new TestBrowser();
      const r = await received(await fresh.get(authorizeUrl(server.issuer, base({ response_type: 'id_token', response_mode: 'form_post', prompt: 'none' }))));
      checkFormPostPage(r);
      assert.equal(r.params.get('error'), 'login_required');
      assert.equal(r.params.get('state'), 'st');
      assert.equal(r.params.get('iss'), server.issuer);
    });

    it('the form_post page escapes values it carries', async () => {
      const state = '"><script>alert(1)</script>&amp;';
      const r = await received(await request({ ...base({ response_type: 'id_token', response_mode: 'form_post' }), state }));
      assert.ok(!r.html!.includes('<script>alert(1)'));
      assert.equal(r.params.get('state'), state);
    });
  });

  describe('through the login and consent forms', () => {
    /** authorize → login → consent (decision) → the response page or redirect. */
    async function throughForms(url: string, decision: 'allow' | 'deny'): Promise<Received> {
      const fresh = new TestBrowser();
      let { url: at, response } = await fresh.follow(url);
      for (let step = 0; step < 3; step++) {
        if (response.status === 303) return received(response);
        const html = await response.clone().text();
        if (html.includes('document.forms[0].submit()')) return received(response);
        assert.ok(decision === 'allow' || html.includes('name="decision"') || html.includes('name="password"'), 'the consent page is shown before a deny');
        const form = hiddenInputs(html);
        const posted = html.includes('name="password"')
          ? await fresh.post(at, { ...form, username: ALICE.username, password: ALICE.password })
          : await fresh.post(at, { ...form, decision });
        ({ url: at, response } = await fresh.follow(at, posted));
      }
      throw new Error('too many steps');
    }

    it('consent allowed: code id_token token as form_post', async () => {
      const r = await throughForms(authorizeUrl(server.issuer, { client_id: 'asks-consent', response_type: 'code id_token token', response_mode: 'form_post', scope: 'openid profile', redirect_uri: REDIRECT, state: 'c1', nonce: 'n-c1' }), 'allow');
      checkFormPostPage(r);
      assert.equal(r.params.get('state'), 'c1');
      assert.equal(r.params.get('iss'), server.issuer);
      const claims = await verifyIdToken(r.params.get('id_token')!, 'asks-consent', 'n-c1');
      assert.equal(claims.c_hash, halfSha256(r.params.get('code')!));
      assert.equal(claims.at_hash, halfSha256(r.params.get('access_token')!));
    });

    it('consent denied: access_denied in the fragment, with state and iss', async () => {
      const r = await throughForms(authorizeUrl(server.issuer, { client_id: 'asks-consent', response_type: 'id_token token', scope: 'openid email', redirect_uri: REDIRECT, state: 'c2', nonce: 'n' }), 'deny');
      assert.equal(r.mode, 'fragment');
      assert.equal(r.params.get('error'), 'access_denied');
      assert.equal(r.params.get('state'), 'c2');
      assert.equal(r.params.get('iss'), server.issuer);
      assert.equal(r.params.get('access_token'), null);
    });

    it('consent denied: access_denied as form_post', async () => {
      const r = await throughForms(authorizeUrl(server.issuer, { client_id: 'asks-consent', response_type: 'code', response_mode: 'form_post', scope: 'openid email', redirect_uri: REDIRECT, state: 'c3', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }), 'deny');
      checkFormPostPage(r);
      assert.equal(r.params.get('error'), 'access_denied');
      assert.equal(r.params.get('state'), 'c3');
    });
  });

  describe('openid-client (v6) as the relying party', () => {
    const discover = (clientId: string, execute: ((config: client.Configuration) => void)[]) =>
      client.discovery(new URL(server.issuer), clientId, { client_secret: WEB_SECRET, token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: clientId === 'hybrid' ? 'ES256' : 'RS256' }, client.ClientSecretBasic(WEB_SECRET), { execute: [client.allowInsecureRequests, ...execute] });

    /** The browser's POST of a form_post page to the client, as the client's server sees it. */
    const formPostRequest = (r: Received) =>
      new Request(r.target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: r.params.toString() });

    for (const mode of ['fragment', 'form_post'] as const) {
      it(`hybrid code id_token (${mode}): validated, then the code redeemed`, async () => {
        const config = await discover('hybrid', [client.useCodeIdTokenResponseType]);
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const nonce = client.randomNonce();
        const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid email', state, nonce, response_mode: mode, code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
        assert.equal(url.searchParams.get('response_type'), 'code id_token');
        const r = await received(await browser.get(url.href));
        const current = mode === 'form_post' ? formPostRequest(r) : new URL(r.response.headers.get('location')!);
        const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
        assert.equal(tokens.claims()?.nonce, nonce);
        assert.equal(tokens.token_type.toLowerCase(), 'bearer');
        const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
        assert.equal(info.email, 'alice@example.com');
      });

      it(`implicit id_token (${mode}): implicitAuthentication validates it and finds the user's claims`, async () => {
        const config = await discover('hybrid-rs', [client.useIdTokenResponseType]);
        const state = client.randomState();
        const nonce = client.randomNonce();
        const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid email', state, nonce, response_mode: mode });
        const r = await received(await browser.get(url.href));
        const current = mode === 'form_post' ? formPostRequest(r) : new URL(r.response.headers.get('location')!);
        const claims = await client.implicitAuthentication(config, current, nonce, { expectedState: state });
        assert.equal(claims.email, 'alice@example.com');
        assert.equal(claims.iss, server.issuer);
      });
    }
  });

  it('a pushed request (RFC 9126) carries the response type and mode; PAR checks the nonce rule too', async () => {
    const par = (form: Record<string, string>) => postForm(`${server.issuer}/v1/par`, form, { authorization: basic('hybrid', WEB_SECRET) });
    const form = { response_type: 'code id_token', response_mode: 'form_post', scope: 'openid', redirect_uri: REDIRECT, state: 'par', nonce: 'n-par', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' };
    const pushed = await par(form);
    assert.equal(pushed.status, 201);
    const { request_uri } = (await pushed.json()) as { request_uri: string };
    const r = await received(await request({ client_id: 'hybrid', request_uri }));
    checkFormPostPage(r);
    assert.equal(r.params.get('state'), 'par');
    assert.equal((await verifyIdToken(r.params.get('id_token')!, 'hybrid', 'n-par')).c_hash, halfSha256(r.params.get('code')!));
    const { nonce: _omitted, ...withoutNonce } = form;
    const refused = await par(withoutNonce);
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { error: string }).error, 'invalid_request');
  });

  it('discovery lists exactly the response types and modes', async () => {
    const doc = (await (await fetch(endpoints(server).discovery)).json()) as Record<string, unknown>;
    assert.deepEqual(doc.response_types_supported, ALL_TYPES);
    assert.deepEqual(doc.response_modes_supported, ['query', 'fragment', 'form_post']);
    assert.ok((doc.grant_types_supported as string[]).includes('implicit'));
    assert.ok((doc.claims_supported as string[]).includes('s_hash'));
    assert.equal(doc.authorization_response_iss_parameter_supported, true);
  });
});
