/**
 * Upstream identity providers (identity brokering), end to end: community `partner` of the same running server is
 * the upstream OpenID provider of community `acme`; a fake upstream on 127.0.0.1 with its own key covers the ID token
 * and token endpoint failures. Login buttons, the acr_values=idp:NAME shortcut, first login creating or linking the
 * local user (link_by none / email verified or not / username), later logins reusing the link, amr/acr in the ID
 * token, consent continuing after the upstream, and every callback failure as a 400 page.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { postForm, startServer, WEB_SECRET, type TestServer } from '../support/server.js';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { REDIRECT, codeForm, expectTokens } from '../support/token-helpers.js';
import { ALICE_UPSTREAM, BOBBY, CAROL, FAKE_CLIENT_ID, FAKE_SECRET, MALLORY, brokeringFixture, startFakeUpstream, upstreamCallback, type FakeUpstream } from '../support/upstream.js';

type User = { username: string; password: string };

describe('upstream identity providers', () => {
  let server: TestServer;
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeUpstream();
    server = await startServer({ provisioning: (base) => brokeringFixture(base, { fakeIssuer: fake.issuer }) });
  });
  after(async () => {
    await server?.close();
    await fake?.close();
  });

  const partnerIssuer = () => `${server.base}/oauth2/community/partner`;

  function authorizeParams(extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkcePair();
    return {
      verifier,
      url: authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid profile email', redirect_uri: REDIRECT, state: 'st-1', nonce: 'n-1', code_challenge: challenge, code_challenge_method: 'S256', ...extra }),
    };
  }

  /** authorize at acme → the login page. */
  async function loginPage(browser: TestBrowser, url: string): Promise<{ at: string; html: string }> {
    const { url: at, response } = await browser.follow(url);
    assert.equal(response.status, 200);
    return { at, html: await response.text() };
  }

  /** Clicks the upstream's button: the 303 to the upstream's authorization endpoint. */
  async function clickUpstream(browser: TestBrowser, page: { at: string; html: string }, name: string): Promise<URL> {
    const res = await browser.post(`${page.at}/upstream`, { csrf: hiddenInputs(page.html).csrf!, upstream: name });
    assert.equal(res.status, 303, await res.clone().text());
    return new URL(res.headers.get('location')!);
  }

  /** Signs in at the partner community: returns its authorization response (the URL of acme's callback). */
  async function signInUpstream(browser: TestBrowser, upstreamAuthorize: URL, user: User): Promise<URL> {
    const { url: at, response } = await browser.follow(upstreamAuthorize.href);
    const html = await response.text();
    assert.equal(response.status, 200, html);
    assert.match(html, /name="password"/);
    const res = await browser.post(at, { ...hiddenInputs(html), username: user.username, password: user.password });
    assert.equal(res.status, 303);
    const callback = new URL(res.headers.get('location')!);
    assert.equal(`${callback.origin}${callback.pathname}`, upstreamCallback(server.base));
    return callback;
  }

  /** The whole federated login; returns where acme finally sends the browser (the client's redirect URI). */
  async function federatedLogin(browser: TestBrowser, name: string, user: User, extra: Record<string, string> = {}): Promise<{ location: URL; verifier: string; callback: URL }> {
    const { url, verifier } = authorizeParams(extra);
    const upstream = await clickUpstream(browser, await loginPage(browser, url), name);
    const callback = await signInUpstream(browser, upstream, user);
    const { url: location, response } = await browser.follow(callback.href);
    assert.equal(response.status, 303, `expected the redirect to the client, got ${response.status}: ${await response.text()}`);
    return { location: new URL(location), verifier, callback };
  }

  async function redeem(location: URL, verifier: string): Promise<{ claims: Record<string, unknown>; accessToken: string }> {
    const code = location.searchParams.get('code');
    assert.ok(code, location.href);
    const tokens = await expectTokens(await postForm(`${server.issuer}/v1/token`, { ...codeForm({ code, verifier }), client_id: 'first-party', client_secret: WEB_SECRET }));
    return { claims: decodeJwt(tokens.id_token!) as Record<string, unknown>, accessToken: tokens.access_token };
  }

  const links = () => server.provider.db.selectFrom('upstream_links').selectAll().execute();
  const userById = (id: string) => server.provider.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const localUser = (username: string) => server.provider.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirstOrThrow();
  const countUsers = async () => (await server.provider.db.selectFrom('users').select('id').execute()).length;

  /** An error page: 400 (never a 5xx), HTML, the message shown. */
  async function expectErrorPage(res: Response, message: RegExp): Promise<string> {
    const html = await res.text();
    assert.equal(res.status, 400, html);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(html, /role="alert"/);
    assert.match(html, message);
    return html;
  }

  it('stores the upstream client secret sealed, not in clear', async () => {
    const rows = await server.provider.db.selectFrom('upstream_providers').selectAll().execute();
    assert.deepEqual(rows.map((r) => r.name).sort(), ['fake', 'partner', 'partner-none', 'partner-users']);
    const fakeRow = rows.find((r) => r.name === 'fake')!;
    assert.match(fakeRow.client_secret_sealed, /^v1\./);
    assert.ok(!fakeRow.client_secret_sealed.includes(FAKE_SECRET));
  });

  it('applies the upstreams idempotently; a changed secret updates the row and bumps the revision', async () => {
    const revision = async () => Number((await server.provider.db.selectFrom('communities').select('revision').where('name', '=', 'acme').executeTakeFirstOrThrow()).revision);
    const doc = brokeringFixture(server.base, { fakeIssuer: fake.issuer });
    const before = await revision();
    const same = await applyProvisioning(server.provider, doc);
    assert.deepEqual(same.created, []);
    assert.deepEqual(same.updated, []);
    assert.equal(await revision(), before);
    const changed = structuredClone(doc) as { communities: { upstreams?: Record<string, unknown>[] }[] };
    const fakeSpec = changed.communities[0]!.upstreams!.find((u) => u.name === 'fake')!;
    const sealedBefore = (await server.provider.db.selectFrom('upstream_providers').select('client_secret_sealed').where('name', '=', 'fake').executeTakeFirstOrThrow()).client_secret_sealed;
    fakeSpec.client_secret = 'rotated-secret';
    const summary = await applyProvisioning(server.provider, changed);
    assert.deepEqual(summary.updated, ['acme/upstream/fake']);
    assert.equal(await revision(), before + 1);
    const sealedAfter = (await server.provider.db.selectFrom('upstream_providers').select('client_secret_sealed').where('name', '=', 'fake').executeTakeFirstOrThrow()).client_secret_sealed;
    assert.notEqual(sealedAfter, sealedBefore);
    // Back to the original secret for the tests that follow.
    assert.deepEqual((await applyProvisioning(server.provider, doc)).updated, ['acme/upstream/fake']);
  });

  it('shows a button per upstream on the login page', async () => {
    const { html } = await loginPage(new TestBrowser(), authorizeParams().url);
    assert.match(html, /name="password"/, 'the password form is still there');
    for (const label of ['Partner Co', 'partner-users', 'partner-none', 'fake']) assert.match(html, new RegExp(`>Continue with ${label}</button>`));
    assert.match(html, /<form method="post" action="\/oauth2\/community\/acme\/v1\/interaction\/[A-Za-z0-9_-]+\/upstream"/);
    assert.match(html, /name="upstream" value="partner"/);
  });

  it('acr_values=idp:NAME goes straight to the upstream with PKCE S256, state and nonce; an unknown NAME shows the login page', async () => {
    const browser = new TestBrowser();
    const res = await browser.get(authorizeParams({ acr_values: 'urn:x idp:partner-none' }).url);
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, `${partnerIssuer()}/v1/authorize`);
    const q = location.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), 'broker');
    assert.equal(q.get('redirect_uri'), upstreamCallback(server.base));
    assert.equal(q.get('scope'), 'openid profile email');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok((q.get('state') ?? '').length >= 43);
    assert.ok((q.get('nonce') ?? '').length >= 43);
    const cookies = res.headers.getSetCookie();
    assert.ok(cookies.some((c) => c.startsWith('tessera_upstream=') && /Path=\/oauth2\/community\/acme\/v1\/upstream\//.test(c) && /HttpOnly/i.test(c) && /SameSite=Lax/i.test(c)), cookies.join('\n'));
    assert.ok(cookies.some((c) => c.startsWith('tessera_interaction=')));

    // The shortcut leads through to the client.
    const callback = await signInUpstream(browser, location, CAROL);
    const { response } = await browser.follow(callback.href);
    assert.equal(response.status, 303);
    assert.ok(new URL(response.headers.get('location')!).searchParams.get('code'));

    const unknown = await new TestBrowser().get(authorizeParams({ acr_values: 'idp:nope' }).url);
    assert.equal(unknown.status, 303);
    assert.match(unknown.headers.get('location')!, /\/oauth2\/community\/acme\/v1\/interaction\//);
  });

  it('link_by email links to the local user only when the upstream says email_verified true', async () => {
    const alice = await localUser('alice');
    const verified = await federatedLogin(new TestBrowser(), 'partner', ALICE_UPSTREAM);
    const { claims } = await redeem(verified.location, verified.verifier);
    assert.equal(claims.sub, alice.id, 'linked to the existing alice');
    assert.equal(claims.acr, 'idp:partner');
    assert.ok((await links()).some((l) => l.upstream_name === 'partner' && l.user_id === alice.id));

    const before = await countUsers();
    const unverified = await federatedLogin(new TestBrowser(), 'partner', MALLORY);
    const other = (await redeem(unverified.location, unverified.verifier)).claims.sub as string;
    assert.notEqual(other, alice.id, 'an unverified email does not take over alice');
    assert.equal(await countUsers(), before + 1);
  });

  it('an upstream login finishes in the request\'s response mode: form_post page to the client', async () => {
    const browser = new TestBrowser();
    const { url } = authorizeParams({ response_mode: 'form_post' });
    const upstream = await clickUpstream(browser, await loginPage(browser, url), 'partner');
    const callback = await signInUpstream(browser, upstream, ALICE_UPSTREAM);
    const { response } = await browser.follow(callback.href);
    const html = await response.text();
    assert.equal(response.status, 200, html);
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'nonce-/);
    assert.ok(html.includes(`<form method="post" action="${REDIRECT}">`));
    const fields = hiddenInputs(html);
    assert.ok(fields.code);
    assert.equal(fields.state, 'st-1');
    assert.equal(fields.iss, server.issuer);
  });

  it('first login creates and links a local user (link_by none); the ID token says amr fed and acr idp:NAME; a second login reuses the link', async () => {
    const before = await countUsers();
    const first = await federatedLogin(new TestBrowser(), 'partner-none', MALLORY);
    assert.equal(first.location.searchParams.get('state'), 'st-1');
    assert.equal(first.location.searchParams.get('iss'), server.issuer);
    const { claims, accessToken } = await redeem(first.location, first.verifier);
    assert.deepEqual(claims.amr, ['fed']);
    assert.equal(claims.acr, 'idp:partner-none');
    assert.equal(claims.iss, server.issuer);
    assert.equal(claims.nonce, 'n-1');
    assert.equal(await countUsers(), before + 1);
    const created = await userById(claims.sub as string);
    assert.equal(created.password_hash, null);
    assert.deepEqual(JSON.parse(created.claims), { email: 'alice@example.com', name: 'Not Alice' });
    const link = (await links()).find((l) => l.user_id === created.id && l.upstream_name === 'partner-none');
    assert.ok(link, 'linked');
    const partnerMallory = await server.provider.db.selectFrom('users').innerJoin('communities', 'communities.id', 'users.community_id').select('users.id').where('communities.name', '=', 'partner').where('users.username', '=', 'mallory').executeTakeFirstOrThrow();
    assert.equal(link.upstream_sub, partnerMallory.id, 'the link is to the upstream sub');
    assert.equal(created.username, `partner-none:${partnerMallory.id}`, 'no username claim upstream: upstream name and sub');

    // UserInfo at acme answers from the new local user.
    const info = (await (await fetch(`${server.issuer}/v1/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as Record<string, unknown>;
    assert.equal(info.sub, created.id);
    assert.equal(info.email, 'alice@example.com');

    // Again, in a fresh browser: the same local user, nothing created.
    const second = await federatedLogin(new TestBrowser(), 'partner-none', MALLORY);
    assert.equal((await redeem(second.location, second.verifier)).claims.sub, created.id);
    assert.equal(await countUsers(), before + 1);
  });

  it('link_by none never links an existing user even with a free-looking username match; new users get the mapped username when free', async () => {
    const { location, verifier } = await federatedLogin(new TestBrowser(), 'partner-none', CAROL);
    const { claims } = await redeem(location, verifier);
    const user = await userById(claims.sub as string);
    assert.equal(user.username, 'carol', 'preferred_username carol was free at acme');
    // bobby's preferred_username is bob, taken at acme: a new user under upstream:sub.
    const bob = await localUser('bob');
    const viaNone = await federatedLogin(new TestBrowser(), 'partner-none', BOBBY);
    const sub = (await redeem(viaNone.location, viaNone.verifier)).claims.sub as string;
    assert.notEqual(sub, bob.id);
    assert.match((await userById(sub)).username, /^partner-none:/);
  });

  it('link_by username links to the local user with the mapped username', async () => {
    const bob = await localUser('bob');
    const { location, verifier } = await federatedLogin(new TestBrowser(), 'partner-users', BOBBY);
    assert.equal((await redeem(location, verifier)).claims.sub, bob.id);
  });

  it('continues to the consent page after the upstream login, as a password login does; SSO afterwards keeps acr and amr', async () => {
    const browser = new TestBrowser();
    const { verifier, challenge } = pkcePair();
    const url = authorizeUrl(server.issuer, { client_id: 'web', response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT, state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' });
    const upstream = await clickUpstream(browser, await loginPage(browser, url), 'partner-none');
    const callback = await signInUpstream(browser, upstream, CAROL);
    const { url: at, response } = await browser.follow(callback.href);
    const html = await response.text();
    assert.equal(response.status, 200, html);
    assert.match(html, /Allow access\?/);
    assert.match(html, /your account <strong>carol<\/strong>/);
    const allowed = await browser.post(at, { ...hiddenInputs(html), decision: 'allow' });
    assert.equal(allowed.status, 303);
    const code = new URL(allowed.headers.get('location')!).searchParams.get('code')!;
    const tokens = await expectTokens(await postForm(`${server.issuer}/v1/token`, codeForm({ code, verifier }), { authorization: 'Basic ' + Buffer.from(`web:${WEB_SECRET}`).toString('base64') }));
    const claims = decodeJwt(tokens.id_token!);
    assert.deepEqual(claims.amr, ['fed']);
    assert.equal(claims.acr, 'idp:partner-none');

    // The acme session now exists: another authorization is answered at once, with the same acr/amr.
    const again = authorizeParams();
    const sso = await browser.get(again.url);
    assert.equal(sso.status, 303);
    const ssoClaims = (await redeem(new URL(sso.headers.get('location')!), again.verifier)).claims;
    assert.equal(ssoClaims.sub, claims.sub);
    assert.deepEqual(ssoClaims.amr, ['fed']);
    assert.equal(ssoClaims.acr, 'idp:partner-none');
  });

  describe('callback failures', () => {
    /** Starts a flow and returns the upstream authorization URL (its state, nonce) and the browser. */
    async function started(name: string): Promise<{ browser: TestBrowser; upstream: URL }> {
      const browser = new TestBrowser();
      const upstream = await clickUpstream(browser, await loginPage(browser, authorizeParams().url), name);
      return { browser, upstream };
    }
    const callbackUrl = (params: Record<string, string>) => `${upstreamCallback(server.base)}?${new URLSearchParams(params)}`;

    it('keeps the pending redirect in the short-lived store (Redis when configured), never in the database then', async () => {
      const rows = async () => (await server.provider.db.selectFrom('upstream_pending').select('state_hash').execute()).length;
      const before = await rows();
      await started('partner');
      assert.equal(await rows(), server.provider.shortLived.kind === 'redis' ? before : before + 1);
    });

    it('refuses an unknown state', async () => {
      const { browser } = await started('partner-none');
      await expectErrorPage(await browser.get(callbackUrl({ state: 'not-the-state', code: 'x', iss: partnerIssuer() })), /unknown, expired or was already used/);
    });

    it('refuses a callback without the browser cookie, and one from another browser', async () => {
      const { browser, upstream } = await started('partner-none');
      const callback = await signInUpstream(browser, upstream, CAROL);
      await expectErrorPage(await fetch(callback.href, { redirect: 'manual' }), /cookie is missing/);
      // A different browser with its own upstream cookie: the state is not its own.
      const { browser: other } = await started('partner-none');
      await expectErrorPage(await other.get(callback.href), /started in another browser/);
    });

    it('refuses a replayed callback', async () => {
      const browser = new TestBrowser();
      const { callback } = await federatedLogin(browser, 'partner-none', CAROL);
      // The binding cookie was cleared by the first use; even with a fresh one the state is used up.
      await expectErrorPage(await browser.get(callback.href), /cookie is missing|already used/);
      const { browser: again } = await started('partner-none');
      await expectErrorPage(await again.get(callback.href), /unknown, expired or was already used/);
    });

    it('shows the upstream error response', async () => {
      const { browser, upstream } = await started('partner');
      const html = await expectErrorPage(await browser.get(callbackUrl({ state: upstream.searchParams.get('state')!, error: 'access_denied', error_description: 'the user said no', iss: partnerIssuer() })), /Partner Co did not sign you in: access_denied \(the user said no\)/);
      assert.match(html, /<code>access_denied<\/code>/);
    });

    it('refuses an iss that is not the upstream (RFC 9207), and a missing iss when the upstream advertises it', async () => {
      const { browser, upstream } = await started('partner');
      await expectErrorPage(await browser.get(callbackUrl({ state: upstream.searchParams.get('state')!, code: 'x', iss: 'https://evil.example' })), /does not come from Partner Co \(iss\)/);
      const second = await started('partner');
      await expectErrorPage(await second.browser.get(callbackUrl({ state: second.upstream.searchParams.get('state')!, code: 'x' })), /\(iss\)/);
    });

    it('refuses a code the upstream does not accept', async () => {
      const { browser, upstream } = await started('partner');
      await expectErrorPage(await browser.get(callbackUrl({ state: upstream.searchParams.get('state')!, code: 'forged-code', iss: partnerIssuer() })), /Partner Co refused to complete the sign-in: invalid_grant/);
    });

    describe('against a fake upstream with its own key', () => {
      /** Runs a flow against the fake whose token endpoint answers with the ID token `mint(nonce)` gives. */
      async function withIdToken(mint: (nonce: string, now: number) => Promise<string>): Promise<{ res: Response; upstream: URL }> {
        const { browser, upstream } = await started('fake');
        assert.equal(`${upstream.origin}${upstream.pathname}`, `${fake.issuer}/authorize`);
        const nonce = upstream.searchParams.get('nonce')!;
        fake.tokenResponse = async () => ({ status: 200, body: { access_token: 'fake-at', token_type: 'Bearer', id_token: await mint(nonce, server.clock.now()) } });
        const res = await browser.get(callbackUrl({ state: upstream.searchParams.get('state')!, code: 'fake-code', iss: fake.issuer }));
        return { res, upstream };
      }

      it('accepts a valid ID token, after a client_secret_basic exchange with the PKCE verifier', async () => {
        fake.userinfo = { sub: 'fake-user-1', email: 'fake@example.com', name: 'Fake User' };
        const { res, upstream } = await withIdToken((nonce, now) => fake.idToken({ now, nonce }));
        assert.equal(res.status, 303, await res.clone().text());
        assert.ok(new URL(res.headers.get('location')!).searchParams.get('code'));
        const request = fake.tokenRequests.at(-1)!;
        assert.equal(request.authorization, 'Basic ' + Buffer.from(`${encodeURIComponent(FAKE_CLIENT_ID)}:${encodeURIComponent(FAKE_SECRET)}`).toString('base64'));
        assert.equal(request.form.get('grant_type'), 'authorization_code');
        assert.equal(request.form.get('code'), 'fake-code');
        assert.equal(request.form.get('redirect_uri'), upstreamCallback(server.base));
        assert.equal(request.form.get('client_secret'), null, 'the secret goes in the header only');
        const verifier = request.form.get('code_verifier')!;
        assert.equal(createHash('sha256').update(verifier).digest('base64url'), upstream.searchParams.get('code_challenge'));
        const link = (await links()).find((l) => l.upstream_name === 'fake' && l.upstream_sub === 'fake-user-1');
        assert.ok(link);
        assert.equal(JSON.parse((await userById(link.user_id)).claims).email, 'fake@example.com');
      });

      const cases: [string, (nonce: string, now: number) => Promise<string>, RegExp][] = [
        ['a signature by another key', (nonce, now) => fake.idToken({ now, nonce }, fake.otherKey), /its signature is invalid/],
        ['an unknown kid', (nonce, now) => fake.idToken({ now, nonce }, fake.otherKey, 'other'), /not signed by any of the upstream&#39;s keys/],
        ['a wrong nonce', (_nonce, now) => fake.idToken({ now, nonce: 'not-the-nonce' }), /nonce does not match/],
        ['no nonce', (_nonce, now) => fake.idToken({ now }), /nonce does not match/],
        ['a wrong aud', (nonce, now) => fake.idToken({ now, nonce, aud: 'someone-else' }), /aud claim/],
        ['a wrong iss', (nonce, now) => fake.idToken({ now, nonce, iss: 'https://evil.example' }), /iss claim/],
        ['an expired token', (nonce, now) => fake.idToken({ now, nonce, iat: now - 400, exp: now - 200 }), /expired/],
        ['an iat far in the past', (nonce, now) => fake.idToken({ now, nonce, iat: now - 3600, exp: now + 300 }), /issued too long ago \(iat\)/],
        ['several audiences without azp', (nonce, now) => fake.idToken({ now, nonce, aud: [FAKE_CLIENT_ID, 'other'] }), /azp/],
        ['not a JWT', async () => 'not.a.jwt', /not a valid signed token|signature/],
      ];
      for (const [name, mint, message] of cases) {
        it(`refuses an ID token with ${name}`, async () => {
          const { res } = await withIdToken(mint);
          const html = await expectErrorPage(res, message);
          assert.match(html, /The ID token from fake was refused/);
          assert.match(html, /<code>invalid_id_token<\/code>/);
        });
      }

      it('refuses UserInfo about another user, and an error from the token endpoint', async () => {
        fake.userinfo = { sub: 'someone-else' };
        const { res } = await withIdToken((nonce, now) => fake.idToken({ now, nonce }));
        await expectErrorPage(res, /about another user/);
        const { browser, upstream } = await started('fake');
        fake.tokenResponse = async () => ({ status: 400, body: { error: 'invalid_grant', error_description: 'nope' } });
        await expectErrorPage(await browser.get(callbackUrl({ state: upstream.searchParams.get('state')!, code: 'c', iss: fake.issuer })), /fake refused to complete the sign-in: invalid_grant/);
        const third = await started('fake');
        fake.tokenResponse = async () => ({ status: 200, body: { access_token: 'x', token_type: 'Bearer' } });
        await expectErrorPage(await third.browser.get(callbackUrl({ state: third.upstream.searchParams.get('state')!, code: 'c', iss: fake.issuer })), /without an ID token/);
      });

      it('gives up on an upstream token endpoint that does not answer within 5 seconds', async () => {
        const { browser, upstream } = await started('fake');
        fake.tokenResponse = () => new Promise((resolve) => setTimeout(() => resolve({ status: 200, body: {} }), 7000).unref());
        const startedAt = Date.now();
        await expectErrorPage(await browser.get(callbackUrl({ state: upstream.searchParams.get('state')!, code: 'c', iss: fake.issuer })), /fake could not be reached to complete the sign-in/);
        const elapsed = Date.now() - startedAt;
        assert.ok(elapsed >= 4900 && elapsed < 6900, `gave up after ${elapsed} ms`);
      });

      it('caches the upstream metadata for an hour', async () => {
        const fetches = fake.discoveryFetches;
        assert.ok(fetches >= 1);
        await started('fake');
        assert.equal(fake.discoveryFetches, fetches, 'served from the cache');
        server.clock.advance(3601);
        await started('fake');
        assert.equal(fake.discoveryFetches, fetches + 1, 'fetched again after the TTL');
      });
    });
  });
});
