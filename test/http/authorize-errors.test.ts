/**
 * The authorization endpoint's error handling (RFC 6749 §4.1.2.1, RFC 9700 §4.11, OIDC Core §3.1.2.6, RFC 9207):
 * untrusted requests get Tessera's error page and are never redirected; every other error goes back to the
 * registered redirect URI with `error`, the exact `state`, and `iss`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basic, startServer, postForm, type TestServer } from '../support/server.js';
import { TestBrowser } from '../support/browser.js';
import { authorizeThroughForms, authorizeUrl, pkcePair } from '../support/flows.js';
import { ALICE, REDIRECT, codeForm, expectTokens, fixtureWith, postToken } from '../support/token-helpers.js';

const CHALLENGE = pkcePair().challenge;

describe('authorization endpoint errors', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      provisioning: fixtureWith([
        { client_id: 'with-query', client_secret: 'q'.repeat(40), redirect_uris: ['http://127.0.0.1:7777/cb?bar=foo'], scope: 'openid', skip_consent: true },
        { client_id: 'native', redirect_uris: ['http://127.0.0.1/cb'], application_type: 'native', token_endpoint_auth_method: 'none', scope: 'openid', skip_consent: true },
        { client_id: 'plain', client_secret: 'p'.repeat(40), redirect_uris: [REDIRECT], scope: 'openid', skip_consent: true, allow_plain_pkce: true },
      ]),
    });
  });
  after(() => server.close());

  const base = (extra: Record<string, string> = {}) => ({ client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'st', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...extra });
  const get = (params: Record<string, string>) => fetch(authorizeUrl(server.issuer, params), { redirect: 'manual' });

  async function expectPage(res: Response): Promise<string> {
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null, 'never redirected');
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    return res.text();
  }

  function expectRedirectError(res: Response, error: string, state: string | null = 'st', target = REDIRECT): URLSearchParams {
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, new URL(target).origin + new URL(target).pathname);
    assert.equal(location.searchParams.get('error'), error, location.href);
    assert.equal(location.searchParams.get('state'), state);
    assert.equal(location.searchParams.get('iss'), server.issuer);
    assert.equal(location.searchParams.get('code'), null);
    return location.searchParams;
  }

  describe('untrusted client or redirect_uri: an error page, never a redirect', () => {
    const cases: [string, Record<string, string>][] = [
      ['missing client_id', base({ client_id: '' })],
      ['unknown client_id', base({ client_id: 'nobody' })],
      ['missing redirect_uri', base({ redirect_uri: '' })],
      ['unregistered redirect_uri', base({ redirect_uri: 'http://127.0.0.1:7777/other' })],
      ['path-extended redirect_uri', base({ redirect_uri: `${REDIRECT}/x` })],
      ['query-added redirect_uri', base({ redirect_uri: `${REDIRECT}?x=1` })],
      ['case-changed redirect_uri', base({ redirect_uri: REDIRECT.replace('/cb', '/CB') })],
      ['different port', base({ redirect_uri: 'http://127.0.0.1:7778/cb' })],
      ['another client\'s redirect_uri with query changed', base({ client_id: 'with-query', redirect_uri: 'http://127.0.0.1:7777/cb?bar=baz' })],
    ];
    for (const [name, params] of cases) {
      it(name, async () => {
        const html = await expectPage(await get(params));
        assert.match(html, /Something went wrong/);
      });
    }
    it('a repeated client_id', async () => {
      const url = `${authorizeUrl(server.issuer, base())}&client_id=web`;
      await expectPage(await fetch(url, { redirect: 'manual' }));
    });
  });

  describe('redirected errors carry error, the exact state, and iss', () => {
    const cases: [string, Record<string, string>, string][] = [
      ['missing response_type', base({ response_type: '' }), 'invalid_request'],
      ['unknown response_type', base({ response_type: 'code device' }), 'unsupported_response_type'],
      ['scope not registered', base({ scope: 'openid admin' }), 'invalid_scope'],
      ['missing scope', base({ scope: '' }), 'invalid_request'],
      ['PKCE missing for a public client', { client_id: 'spa', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'st' }, 'invalid_request'],
      ['plain PKCE without permission', base({ code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) }), 'invalid_request'],
      ['malformed code_challenge', base({ code_challenge: 'short' }), 'invalid_request'],
      ['unknown response_mode', base({ response_mode: 'web_message' }), 'invalid_request'],
      ['unsigned request object', base({ request: 'eyJhbGciOiJub25lIn0.e30.' }), 'invalid_request_object'],
      ['request_uri', base({ request_uri: 'https://client.example/req' }), 'request_uri_not_supported'],
      ['prompt=none without a session', base({ prompt: 'none' }), 'login_required'],
      ['prompt=none combined with login', base({ prompt: 'none login' }), 'invalid_request'],
      ['unknown prompt value', base({ prompt: 'bogus' }), 'invalid_request'],
      ['max_age not a number', base({ max_age: 'abc' }), 'invalid_request'],
      ['id_token_hint not ours', base({ id_token_hint: 'eyJhbGciOiJFUzI1NiJ9.e30.sig' }), 'invalid_request'],
    ];
    for (const [name, params, error] of cases) {
      it(name, async () => {
        expectRedirectError(await get(params), error);
      });
    }

    it('echoes a 1000-character state byte for byte, with characters that need encoding', async () => {
      const state = `${'x'.repeat(980)}&=+/ ?%é"<>-._~`;
      expectRedirectError(await get(base({ state, scope: 'openid admin' })), 'invalid_scope', state);
    });

    it('sends no state when none was given', async () => {
      const params = base({ scope: 'openid admin' });
      delete (params as Partial<typeof params>).state;
      expectRedirectError(await get(params), 'invalid_scope', null);
    });

    it('a repeated scope parameter is invalid_request', async () => {
      expectRedirectError(await fetch(`${authorizeUrl(server.issuer, base())}&scope=email`, { redirect: 'manual' }), 'invalid_request');
    });

    it('keeps the registered redirect URI\'s own query (RFC 6749 §3.1.2)', async () => {
      const params = expectRedirectError(await get(base({ client_id: 'with-query', redirect_uri: 'http://127.0.0.1:7777/cb?bar=foo', scope: 'openid admin' })), 'invalid_scope', 'st', 'http://127.0.0.1:7777/cb');
      assert.equal(params.get('bar'), 'foo');
    });

    it('a POSTed form request is handled like GET', async () => {
      const res = await postForm(`${server.issuer}/v1/authorize`, base({ scope: 'openid admin' }));
      expectRedirectError(res, 'invalid_scope');
    });

    it('prompt=none with a session but no consent answers consent_required', async () => {
      const browser = new TestBrowser();
      await authorizeThroughForms(browser, authorizeUrl(server.issuer, base({ client_id: 'first-party' })), ALICE);
      expectRedirectError(await browser.get(authorizeUrl(server.issuer, base({ prompt: 'none' }))), 'consent_required');
    });
  });

  describe('matching and PKCE that succeed', () => {
    it('lets a native client\'s loopback redirect use any port (RFC 8252 §7.3)', async () => {
      const browser = new TestBrowser();
      const location = await authorizeThroughForms(browser, authorizeUrl(server.issuer, base({ client_id: 'native', redirect_uri: 'http://127.0.0.1:51234/cb' })), ALICE);
      assert.equal(location.port, '51234');
      assert.ok(location.searchParams.get('code'));
    });

    it('plain PKCE works end to end for a client that allows it', async () => {
      const browser = new TestBrowser();
      const verifier = 'v'.repeat(50);
      const location = await authorizeThroughForms(browser, authorizeUrl(server.issuer, base({ client_id: 'plain', code_challenge: verifier, code_challenge_method: 'plain' })), ALICE);
      const code = location.searchParams.get('code')!;
      const res = await postToken(server, codeForm({ code, verifier, challenge: verifier }), { authorization: basic('plain', 'p'.repeat(40)) });
      await expectTokens(res);
    });
  });

  describe('response headers', () => {
    it('no CORS on the authorization endpoint, not even for a preflight (RFC 9700 §2.6)', async () => {
      const res = await get(base({ scope: 'openid admin' }));
      assert.equal(res.headers.get('access-control-allow-origin'), null);
      const preflight = await fetch(`${server.issuer}/v1/authorize`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    });

    it('the login page forbids framing and caching, and binds the browser with an HttpOnly cookie', async () => {
      const browser = new TestBrowser();
      const { response } = await browser.follow(authorizeUrl(server.issuer, base()));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.match(response.headers.get('cache-control') ?? '', /no-store/);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
      assert.ok(browser.cookies.some((c) => c.name === 'tessera_interaction' && c.path.includes('/v1/interaction/')));
    });
  });
});
