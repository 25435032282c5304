/**
 * Second factors over HTTP: TOTP (provisioned and enrolled on the account page), the ±1 step window, replay refused,
 * recovery codes (once each, regenerated, shown once), turning TOTP off, the community and client policy (required,
 * allowed), step-up with acr_values on an SSO session that only has a password, prompt=none, acr/amr in the ID
 * token, and provisioning of `totp_secret` (validated, sealed, idempotent).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { ProvisioningError } from '../../src/provisioning/schema.js';
import { MULTI_FACTOR_ACR as ACR_MFA, PASSWORD_ACR } from '../../src/identity/acr.js';
import { ALICE_PASSWORD, CC_SECRET, WEB_SECRET, fixture, postForm, startServer, type TestServer } from '../support/server.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { ALICE_UPSTREAM, brokeringFixture } from '../support/upstream.js';
import { REDIRECT, begin, enrolmentSecret, idTokenOf, recoveryCodesOf, show, submit, totpAt } from '../support/mfa.js';

const CAROL_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const PASSWORD = 'a-long-enough-password';

const app = (clientId: string, extra: Record<string, unknown> = {}) => ({
  client_id: clientId,
  client_secret: WEB_SECRET,
  redirect_uris: [REDIRECT],
  token_endpoint_auth_method: 'client_secret_post',
  scope: 'openid profile',
  skip_consent: true,
  ...extra,
});

function provisioning(): Record<string, unknown> {
  const base = fixture(REDIRECT) as { communities: Record<string, unknown>[] };
  const acme = base.communities[0] as { clients: unknown[]; users: unknown[] };
  acme.clients.push(app('strict', { mfa: { required: true } }), app('strict-otp', { mfa: { required: true, allowed: ['otp'] } }));
  acme.users.push(
    { username: 'carol', password: PASSWORD, totp_secret: CAROL_SECRET.toLowerCase().replace(/(.{8})/g, '$1 ') },
    { username: 'dave', password: PASSWORD },
    { username: 'frank', password: PASSWORD },
  );
  base.communities.push(
    { name: 'corp', mfa: { required: true }, clients: [app('corp-app')], users: [{ username: 'erin', password: PASSWORD }] },
    {
      name: 'passkeys-only',
      mfa: { allowed: ['fido'] },
      clients: [app('plain'), app('needs-mfa', { mfa: { required: true } }), app('otp-ok', { mfa: { allowed: ['otp'] } })],
      users: [{ username: 'gina', password: PASSWORD, totp_secret: CAROL_SECRET }],
    },
  );
  return base;
}

describe('second factors', () => {
  let server: TestServer;
  const issuerOf = (name: string) => `${server.base}/oauth2/community/${name}`;
  /** Moves to a fresh 30-second step: every TOTP code below is used once. */
  const nextStep = () => server.clock.advance(30);

  before(async () => {
    server = await startServer({ provisioning: provisioning(), env: { LOGIN_THROTTLE_PER_ACCOUNT_AND_CLIENT: '100', LOGIN_THROTTLE_PER_ACCOUNT: '100' } });
  });
  after(() => server.close());

  it('a provisioned TOTP: password, then the code; the session counts as multi-factor only after the code; acr/amr in the ID token', async () => {
    const browser = new TestBrowser();
    const first = await begin(browser, server.issuer, 'first-party');
    assert.match(first.html, /name="password"/);
    const second = await submit(browser, first, { username: 'carol', password: PASSWORD });
    assert.equal(second.status, 200);
    assert.match(second.html, /Two-step verification/);
    assert.match(second.html, /name="code"/);
    assert.doesNotMatch(second.html, /name="password"/);

    // Before the code, the SSO session (password only) does not sign carol in anywhere.
    const silent = await begin(browser, server.issuer, 'first-party', { prompt: 'none' });
    assert.equal(silent.redirect?.searchParams.get('error'), 'interaction_required');

    const done = await submit(browser, second, { code: totpAt(CAROL_SECRET, server.clock.now()) });
    assert.ok(done.redirect, done.html.slice(0, 300));
    const idToken = await idTokenOf(server.issuer, 'first-party', done.redirect, first.verifier);
    assert.equal(idToken.acr, ACR_MFA);
    assert.deepEqual(idToken.amr, ['pwd', 'otp', 'mfa']);

    // Now the session is multi-factor: SSO without any page.
    const sso = await begin(browser, server.issuer, 'first-party', { prompt: 'none' });
    const again = await idTokenOf(server.issuer, 'first-party', sso.redirect, sso.verifier);
    assert.deepEqual(again.amr, ['pwd', 'otp', 'mfa']);
  });

  it('accepts a code of the previous or next step, refuses one two steps away, and never accepts a step twice', async () => {
    server.clock.advance(90);
    const signIn = async (code: string) => {
      const browser = new TestBrowser();
      const page = await submit(browser, await begin(browser, server.issuer, 'first-party'), { username: 'carol', password: PASSWORD });
      return submit(browser, page, { code });
    };
    const now = server.clock.now();
    const tooOld = await signIn(totpAt(CAROL_SECRET, now - 60));
    assert.equal(tooOld.status, 401);
    assert.match(tooOld.html, /That code is not valid/);
    assert.equal((await signIn(totpAt(CAROL_SECRET, now + 60))).status, 401, 'two steps ahead');
    assert.ok((await signIn(totpAt(CAROL_SECRET, now - 30))).redirect, 'previous step accepted');
    const replay = await signIn(totpAt(CAROL_SECRET, now - 30));
    assert.equal(replay.status, 401, 'the same code again');
    assert.ok((await signIn(totpAt(CAROL_SECRET, now + 30))).redirect, 'next step accepted');
    assert.equal((await signIn(totpAt(CAROL_SECRET, now))).status, 401, 'a step before the last accepted one is refused too');
    assert.equal((await signIn('12345')).status, 401, 'malformed');
  });

  it('enrols on the account page (QR as inline SVG, manual key, confirmed by a first code), then recovery codes work once each', async () => {
    nextStep();
    const browser = new TestBrowser();
    const login = await submit(browser, await begin(browser, server.issuer, 'first-party'), { username: 'dave', password: PASSWORD });
    assert.ok(login.redirect, 'no second factor yet: straight through');

    const securityUrl = `${server.issuer}/v1/account/security`;
    const page = await show(browser, securityUrl);
    assert.equal(page.status, 200);
    assert.match(page.html, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.doesNotMatch(page.html, /<img|<script|https?:\/\/(?!www\.w3\.org)/, 'no external assets');
    const secret = enrolmentSecret(page.html);
    assert.equal(enrolmentSecret((await show(browser, securityUrl)).html), secret, 'a reload shows the same key');
    const row = await server.provider.db.selectFrom('totp_factors').selectAll().executeTakeFirstOrThrow();
    assert.ok(row.secret_sealed.startsWith('v1.') && !row.secret_sealed.includes(secret), 'sealed at rest');

    // CSRF: a forged form changes nothing.
    const forged = await browser.post(securityUrl, { csrf: 'forged', action: 'confirm', code: totpAt(secret, server.clock.now()) });
    assert.equal(forged.status, 400);
    const wrong = await submit(browser, page, { action: 'confirm', code: '000000' === totpAt(secret, server.clock.now()) ? '111111' : '000000' });
    assert.match(wrong.html, /That code is not valid/);
    const confirmed = await submit(browser, page, { action: 'confirm', code: totpAt(secret, server.clock.now()) });
    const codes = recoveryCodesOf(confirmed.html);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    assert.match((await show(browser, securityUrl)).html, /Authenticator app: on\.<\/strong> 10 unused recovery codes left/);

    // Sign in elsewhere with a recovery code: once.
    const withRecovery = async (code: string) => {
      const other = new TestBrowser();
      const step = await submit(other, await begin(other, server.issuer, 'first-party'), { username: 'dave', password: PASSWORD });
      assert.match(step.html, /Use a recovery code instead/);
      const recoveryPage = await show(other, `${step.at}?use=recovery`);
      assert.match(recoveryPage.html, /name="step" value="recovery"/);
      return submit(other, recoveryPage, { code });
    };
    assert.ok((await withRecovery(codes[0]!.toUpperCase())).redirect, 'a recovery code signs in (case-insensitive)');
    const reused = await withRecovery(codes[0]!);
    assert.equal(reused.status, 401);
    assert.match(reused.html, /not valid or was already used/);
    assert.match((await show(browser, securityUrl)).html, /9 unused recovery codes left/);

    // New codes (with a current TOTP code): the old ones stop working.
    nextStep();
    const manage = await show(browser, securityUrl);
    const regenerated = recoveryCodesOf((await submit(browser, manage, { action: 'regenerate', code: totpAt(secret, server.clock.now()) })).html);
    assert.equal(regenerated.length, 10);
    assert.equal((await withRecovery(codes[1]!)).status, 401);
    assert.ok((await withRecovery(regenerated[0]!)).redirect);

    // Turning TOTP off needs a valid code; then dave signs in with the password alone.
    const refused = await submit(browser, await show(browser, securityUrl), { action: 'remove', code: 'aaaaa-aaaaa' });
    assert.match(refused.html, /not valid or was already used/);
    const removed = await submit(browser, await show(browser, securityUrl), { action: 'remove', code: regenerated[1]! });
    assert.match(removed.html, /Two-step verification is off/);
    const plain = new TestBrowser();
    assert.ok((await submit(plain, await begin(plain, server.issuer, 'first-party'), { username: 'dave', password: PASSWORD })).redirect);
    assert.equal(await server.provider.db.selectFrom('recovery_codes').selectAll().execute().then((r) => r.length), 0);
  });

  it('the account page needs the SSO session', async () => {
    const page = await show(new TestBrowser(), `${server.issuer}/v1/account/security`);
    assert.match(page.html, /You are not signed in/);
  });

  it('a community that requires a second factor enrols TOTP during the sign-in, shows recovery codes once, then continues', async () => {
    const corp = issuerOf('corp');
    const browser = new TestBrowser();
    const first = await begin(browser, corp, 'corp-app');
    const enrol = await submit(browser, first, { username: 'erin', password: PASSWORD });
    assert.match(enrol.html, /Set up two-step verification/);
    assert.match(enrol.html, /<svg/);
    const secret = enrolmentSecret(enrol.html);
    const codesPage = await submit(browser, enrol, { code: totpAt(secret, server.clock.now()) });
    assert.equal(recoveryCodesOf(codesPage.html).length, 10);
    const done = await submit(browser, codesPage, {});
    const idToken = await idTokenOf(corp, 'corp-app', done.redirect, first.verifier);
    assert.equal(idToken.acr, ACR_MFA);
    assert.deepEqual(idToken.amr, ['pwd', 'otp', 'mfa']);

    // Next time: the code, not another enrolment.
    nextStep();
    const other = new TestBrowser();
    const step = await submit(other, await begin(other, corp, 'corp-app'), { username: 'erin', password: PASSWORD });
    assert.match(step.html, /Enter the 6-digit code/);
    assert.ok((await submit(other, step, { code: totpAt(secret, server.clock.now()) })).redirect);
  });

  it('a client that requires a second factor asks for one; other clients of the community do not', async () => {
    const browser = new TestBrowser();
    const plain = await submit(browser, await begin(browser, server.issuer, 'first-party'), { username: 'frank', password: PASSWORD });
    assert.ok(plain.redirect, 'first-party: password only');
    const strict = await begin(browser, server.issuer, 'strict');
    assert.match(strict.html, /Set up two-step verification/, 'strict: step-up by enrolment, without the password again');
    assert.doesNotMatch(strict.html, /name="password"/);
    const strictSilent = await begin(new TestBrowser(), server.issuer, 'strict', { prompt: 'none' });
    assert.equal(strictSilent.redirect?.searchParams.get('error'), 'login_required');
  });

  it('allowed factors: a TOTP is not used where only passkeys are allowed; a client may allow it; required with none usable is refused', async () => {
    const issuer = issuerOf('passkeys-only');
    const a = new TestBrowser();
    assert.ok((await submit(a, await begin(a, issuer, 'plain'), { username: 'gina', password: PASSWORD })).redirect, 'otp not allowed: no second step');
    const b = new TestBrowser();
    const otpOk = await submit(b, await begin(b, issuer, 'otp-ok'), { username: 'gina', password: PASSWORD });
    assert.match(otpOk.html, /Enter the 6-digit code/);
    const c = new TestBrowser();
    const none = await submit(c, await begin(c, issuer, 'needs-mfa'), { username: 'gina', password: PASSWORD });
    assert.equal(none.status, 403);
    assert.match(none.html, /none that this application accepts is set up/);
  });

  it('step-up: acr_values asking for multi-factor on a password-only session shows the second step (no password), and the ID token says so', async () => {
    nextStep();
    const browser = new TestBrowser();
    const first = await begin(browser, server.issuer, 'first-party');
    // carol abandons the second step: the browser keeps a password-only session.
    const abandoned = await submit(browser, first, { username: 'carol', password: PASSWORD });
    assert.match(abandoned.html, /Two-step verification/);
    const pape = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';
    assert.equal((await begin(browser, server.issuer, 'first-party', { acr_values: pape, prompt: 'none' })).redirect?.searchParams.get('error'), 'interaction_required');
    const stepUp = await begin(browser, server.issuer, 'first-party', { acr_values: pape });
    assert.match(stepUp.html, /Enter the 6-digit code/);
    assert.doesNotMatch(stepUp.html, /name="password"/);
    const done = await submit(browser, stepUp, { code: totpAt(CAROL_SECRET, server.clock.now()) });
    const idToken = await idTokenOf(server.issuer, 'first-party', done.redirect, stepUp.verifier);
    assert.equal(idToken.acr, pape, 'the multi-factor level as the request named it');
    assert.deepEqual(idToken.amr, ['pwd', 'otp', 'mfa']);

    // bob (nothing enrolled, nothing required): a request that also accepts a single factor is not stepped up.
    const bobBrowser = new TestBrowser();
    assert.ok((await submit(bobBrowser, await begin(bobBrowser, server.issuer, 'first-party'), { username: 'bob', password: 'bob-password-1234' })).redirect);
    const either = await begin(bobBrowser, server.issuer, 'first-party', { acr_values: `${ACR_MFA} ${PASSWORD_ACR}` });
    assert.ok(either.redirect?.searchParams.get('code'));
    const mfaOnly = await begin(bobBrowser, server.issuer, 'first-party', { acr_values: ACR_MFA });
    assert.match(mfaOnly.html, /Set up two-step verification/);
  });

  it('an essential multi-factor acr (claims parameter) steps up on the same session; the account chooser leads to the second step', async () => {
    nextStep();
    const browser = new TestBrowser();
    // carol signs in with the password and abandons the second step; bob signs in on the same browser (carol stays listed).
    const abandoned = await submit(browser, await begin(browser, server.issuer, 'first-party'), { username: 'carol', password: PASSWORD });
    assert.match(abandoned.html, /Two-step verification/);
    const another = await begin(browser, server.issuer, 'first-party', { prompt: 'login' });
    assert.ok((await submit(browser, another, { username: 'bob', password: 'bob-password-1234' })).redirect?.searchParams.get('code'));

    // The chooser: picking carol (password-only session, TOTP enrolled) goes to her second step, not to the client.
    const chooser = await begin(browser, server.issuer, 'first-party', { prompt: 'select_account' });
    const carolItem = chooser.html.split('<li>').find((item) => />carol</.test(item));
    const carolSid = carolItem && /name="account" value="([^"]+)"/.exec(carolItem)?.[1];
    assert.ok(carolSid, chooser.html.slice(0, 800));
    const chosen = await submit(browser, chooser, { account: carolSid });
    assert.match(chosen.html, /Enter the 6-digit code/);
    assert.doesNotMatch(chosen.html, /name="password"/);

    // Now carol is current: an essential multi-factor acr is a step-up on her session (no password), silent → interaction_required.
    const essential = JSON.stringify({ id_token: { acr: { essential: true, values: [ACR_MFA] } } });
    assert.equal((await begin(browser, server.issuer, 'first-party', { claims: essential, prompt: 'none' })).redirect?.searchParams.get('error'), 'interaction_required');
    const stepUp = await begin(browser, server.issuer, 'first-party', { claims: essential });
    assert.match(stepUp.html, /Enter the 6-digit code/);
    assert.doesNotMatch(stepUp.html, /name="password"/);
    const done = await submit(browser, stepUp, { code: totpAt(CAROL_SECRET, server.clock.now()) });
    const idToken = await idTokenOf(server.issuer, 'first-party', done.redirect, stepUp.verifier);
    assert.equal(idToken.acr, ACR_MFA);
    assert.deepEqual(idToken.amr, ['pwd', 'otp', 'mfa']);
  });

  it('provisioning: totp_secret must be base32 of at least 80 bits; it is sealed; the same file twice changes nothing', async () => {
    const bad = (secret: string) => ({ communities: [{ name: 'acme', users: [{ username: 'carol', totp_secret: secret }] }] });
    for (const secret of ['not base32!', 'JBSWY3DP', 'JBSWY3DPEHPK3PX1']) {
      await assert.rejects(applyProvisioning(server.provider, bad(secret)), (err: Error) => err instanceof ProvisioningError && /totp_secret/.test(err.message));
    }
    const again = await applyProvisioning(server.provider, provisioning());
    assert.deepEqual(again.created, []);
    assert.equal(again.updated.filter((u) => u.includes('totp')).length, 0);
    const rows = await server.provider.db.selectFrom('totp_factors').select('secret_sealed').execute();
    assert.ok(rows.every((r) => r.secret_sealed.startsWith('v1.') && !r.secret_sealed.includes(CAROL_SECRET)));
    // A new secret replaces the old one.
    const NEW_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    const changed = provisioning();
    ((changed.communities as Record<string, unknown>[])[0]!.users as Record<string, unknown>[]).find((u) => u.username === 'carol')!.totp_secret = NEW_SECRET;
    const summary = await applyProvisioning(server.provider, changed);
    assert.deepEqual(summary.updated, ['acme/user/carol/totp']);
    nextStep();
    const browser = new TestBrowser();
    const step = await submit(browser, await begin(browser, server.issuer, 'first-party'), { username: 'carol', password: PASSWORD });
    assert.equal((await submit(browser, step, { code: totpAt(CAROL_SECRET, server.clock.now()) })).status, 401, 'the old secret');
    assert.ok((await submit(browser, step, { code: totpAt(NEW_SECRET, server.clock.now()) })).redirect, 'the new secret');
    await applyProvisioning(server.provider, provisioning());
  });

  it('passkeys: "use a passkey" on the second-factor page where fido is allowed; passkeys alone go straight to their step', async () => {
    const addPasskey = async (community: string, username: string) => {
      const c = await server.provider.db.selectFrom('communities').select('id').where('name', '=', community).executeTakeFirstOrThrow();
      const u = await server.provider.db.selectFrom('users').select('id').where('community_id', '=', c.id).where('username', '=', username).executeTakeFirstOrThrow();
      await server.provider.db
        .insertInto('webauthn_credentials')
        .values({ id: `cred-${username}`, community_id: c.id, user_id: u.id, name: 'Key', public_key: 'AQID', counter: 0, transports: '[]', backed_up: 0, created_at: server.clock.now(), last_used_at: null })
        .execute();
    };
    await addPasskey('acme', 'carol');
    await addPasskey('acme', 'frank');
    await addPasskey('passkeys-only', 'gina');

    const a = new TestBrowser();
    const both = await submit(a, await begin(a, server.issuer, 'first-party'), { username: 'carol', password: PASSWORD });
    assert.match(both.html, /Enter the 6-digit code/);
    const link = /<a href="([^"]+)" id="use-passkey">Use a passkey instead<\/a>/.exec(both.html);
    assert.ok(link, 'passkey link');
    const passkeyStep = await show(a, new URL(link[1]!.replace(/&amp;/g, '&'), server.base).href);
    assert.equal(passkeyStep.status, 200);
    assert.match(passkeyStep.html, /webauthn-options/);

    const b = new TestBrowser();
    const frank = await submit(b, await begin(b, server.issuer, 'first-party'), { username: 'frank', password: PASSWORD });
    assert.match(frank.at, /\/passkey$/, 'only a passkey: its step directly');

    // A password-only session may not add a factor next to an existing one (a stolen password must not add its own).
    const frankSecurity = await show(b, `${server.issuer}/v1/account/security`);
    assert.equal(frankSecurity.status, 403);
    assert.match(frankSecurity.html, /Sign in with your second factor first/);
    const f = new TestBrowser();
    const otpRequired = await submit(f, await begin(f, server.issuer, 'strict-otp'), { username: 'frank', password: PASSWORD });
    assert.equal(otpRequired.status, 403, 'frank has a passkey but only otp is allowed: no TOTP enrolment after the password alone');
    assert.doesNotMatch(otpRequired.html, /data-secret/);
    const carolPasskeys = await show(a, `${server.issuer}/v1/account/passkeys`);
    assert.equal(carolPasskeys.status, 403, 'carol (TOTP) with the password alone cannot add a passkey');
    assert.match(carolPasskeys.html, /Sign in with your second factor first/);

    const c = new TestBrowser();
    const otpOnly = await submit(c, await begin(c, issuerOf('passkeys-only'), 'otp-ok'), { username: 'gina', password: PASSWORD });
    assert.match(otpOnly.html, /Enter the 6-digit code/);
    assert.doesNotMatch(otpOnly.html, /Use a passkey instead/, 'fido not allowed for this client');
    assert.equal((await show(c, `${otpOnly.at}/passkey`)).at, otpOnly.at, 'the passkey step is closed where fido is not allowed');

    // Cancel on the second-factor page: access_denied to the client.
    const cancelled = await submit(c, otpOnly, { decision: 'deny' });
    assert.equal(cancelled.redirect?.searchParams.get('error'), 'access_denied');
  });

  it('the password grant has no second step: refused for an account with a second factor, not for one without', async () => {
    const grant = (username: string, password: string, extra: Record<string, string> = {}) =>
      postForm(`${server.issuer}/v1/token`, { grant_type: 'password', username, password, scope: 'openid', client_id: 'legacy', client_secret: CC_SECRET, ...extra });
    const refused = await grant('carol', PASSWORD);
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_grant');
    assert.match(body.error_description, /second factor/);
    const ok = await grant('bob', 'bob-password-1234');
    assert.equal(ok.status, 200);
    assert.equal((await grant('bob', 'bob-password-1234', { acr_values: ACR_MFA })).status, 400, 'acr_values asking for multi-factor');
  });

  it('an unknown password never reaches the second step', async () => {
    const browser = new TestBrowser();
    const page = await submit(browser, await begin(browser, server.issuer, 'first-party'), { username: 'carol', password: ALICE_PASSWORD });
    assert.equal(page.status, 401);
    assert.match(page.html, /The username or password is incorrect/);
  });
});

describe('a second factor after an upstream login', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      provisioning: (base) => {
        const doc = brokeringFixture(base) as { communities: { name: string; users: { username: string; totp_secret?: string }[] }[] };
        doc.communities.find((c) => c.name === 'acme')!.users.find((u) => u.username === 'alice')!.totp_secret = CAROL_SECRET;
        return doc;
      },
    });
  });
  after(() => server.close());

  it('alice (TOTP enrolled) signs in at the upstream, then gives her code; amr says fed + otp', async () => {
    const browser = new TestBrowser();
    const first = await begin(browser, server.issuer, 'first-party');
    const toUpstream = await browser.post(`${first.at}/upstream`, { csrf: hiddenInputs(first.html).csrf!, upstream: 'partner' });
    assert.equal(toUpstream.status, 303);
    const upstreamLogin = await show(browser, toUpstream.headers.get('location')!);
    const callback = await submit(browser, upstreamLogin, { username: ALICE_UPSTREAM.username, password: ALICE_UPSTREAM.password });
    // The partner community redirected to acme's callback (same origin: followed), which sends alice to the second step.
    assert.equal(callback.status, 200, callback.html.slice(0, 300));
    assert.match(callback.html, /Two-step verification/);
    const done = await submit(browser, callback, { code: totpAt(CAROL_SECRET, server.clock.now()) });
    const idToken = await idTokenOf(server.issuer, 'first-party', done.redirect, first.verifier);
    assert.deepEqual(idToken.amr, ['fed', 'otp', 'mfa']);
    assert.equal(idToken.acr, ACR_MFA);
  });
});
