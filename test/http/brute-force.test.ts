/**
 * Brute-force limits on password checks (identity/throttle.ts), through the password grant: per account and
 * address, per account across addresses, per address across accounts; windows end, a success clears its counter,
 * and even the right password is refused while a limit holds. Addresses are simulated with X-Forwarded-For
 * (TRUST_PROXY=true). Then the same limits on the login form, the device cookie that keeps the owner's browser
 * signing in while an attacker hammers the account, and the limits on second-factor codes; failures are logged
 * without secrets.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE_PASSWORD, CC_SECRET, startServer, type TestServer } from '../support/server.js';
import { expectOAuthError, expectTokens, postToken } from '../support/token-helpers.js';
import { Writable } from 'node:stream';
import pino from 'pino';
import { TestBrowser } from '../support/browser.js';
import { REDIRECT, begin, submit, totpAt, type Step } from '../support/mfa.js';
import { fixture } from '../support/server.js';

describe('brute-force limits on the password grant', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      env: {
        TRUST_PROXY: 'true',
        LOGIN_THROTTLE_WINDOW_SECONDS: '60',
        LOGIN_THROTTLE_PER_ACCOUNT_AND_CLIENT: '3',
        LOGIN_THROTTLE_PER_ACCOUNT: '5',
        LOGIN_THROTTLE_PER_ADDRESS: '8',
      },
    });
  });
  after(() => server.close());

  let nextAddress = 1;
  const freshAddress = () => `198.51.100.${nextAddress++}`;
  const attempt = (username: string, password: string, address: string) =>
    postToken(server, { grant_type: 'password', username, password, scope: 'openid', client_id: 'legacy', client_secret: CC_SECRET }, { 'x-forwarded-for': address });
  const refusedAsBad = async (res: Response) => assert.match((await expectOAuthError(res, 400, 'invalid_grant')).error_description, /invalid username or password/);
  const refusedAsThrottled = async (res: Response) => assert.match((await expectOAuthError(res, 400, 'invalid_grant')).error_description, /too many failed attempts; try again in \d+ seconds/);
  const nextWindow = () => server.clock.advance(61);

  it('three failures from one address stop that address — even with the right password — until the window ends', async () => {
    const address = freshAddress();
    for (let i = 0; i < 3; i++) await refusedAsBad(await attempt('alice', 'wrong password!', address));
    await refusedAsThrottled(await attempt('alice', ALICE_PASSWORD, address));
    await expectTokens(await attempt('alice', ALICE_PASSWORD, freshAddress()));
    nextWindow();
    await expectTokens(await attempt('alice', ALICE_PASSWORD, address));
  });

  it('a success clears the count for its account and address', async () => {
    nextWindow();
    const address = freshAddress();
    for (let i = 0; i < 2; i++) await refusedAsBad(await attempt('bob', 'wrong password!', address));
    await expectTokens(await attempt('bob', 'bob-password-1234', address));
    for (let i = 0; i < 2; i++) await refusedAsBad(await attempt('bob', 'wrong password!', address));
    await expectTokens(await attempt('bob', 'bob-password-1234', address));
  });

  it('guessing one account from many addresses is stopped by the per-account limit; the username is matched without case', async () => {
    nextWindow();
    for (let i = 0; i < 5; i++) await refusedAsBad(await attempt(i % 2 ? 'ALICE' : 'alice', 'wrong password!', freshAddress()));
    await refusedAsThrottled(await attempt('alice', ALICE_PASSWORD, freshAddress()));
    await expectTokens(await attempt('bob', 'bob-password-1234', freshAddress()));
    nextWindow();
    await expectTokens(await attempt('alice', ALICE_PASSWORD, freshAddress()));
  });

  it('one address trying many accounts is stopped by the per-address limit', async () => {
    nextWindow();
    const address = freshAddress();
    for (let i = 0; i < 8; i++) await refusedAsBad(await attempt(`user${i}`, 'wrong password!', address));
    await refusedAsThrottled(await attempt('bob', 'bob-password-1234', address));
    await expectTokens(await attempt('bob', 'bob-password-1234', freshAddress()));
  });
});

describe('brute-force limits on the login form and on second-factor codes', () => {
  const CAROL_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  const CAROL_PASSWORD = 'carol-password-1234';
  let server: TestServer;
  const logLines: string[] = [];
  before(async () => {
    const provisioning = fixture(REDIRECT) as { communities: { users: unknown[] }[] };
    provisioning.communities[0]!.users.push({ username: 'carol', password: CAROL_PASSWORD, totp_secret: CAROL_SECRET });
    server = await startServer({
      provisioning,
      env: {
        TRUST_PROXY: 'true',
        LOGIN_THROTTLE_WINDOW_SECONDS: '60',
        LOGIN_THROTTLE_PER_ACCOUNT_AND_CLIENT: '3',
        LOGIN_THROTTLE_PER_ACCOUNT: '5',
        LOGIN_THROTTLE_PER_ADDRESS: '8',
      },
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    server.provider.log = pino({ level: 'info' }, sink);
  });
  after(() => server.close());

  let nextAddress = 1;
  const browserAt = () => new TestBrowser({ 'x-forwarded-for': `203.0.113.${nextAddress++}` });
  const nextWindow = () => server.clock.advance(61);
  /** The login page of a new request, forcing the form even with an SSO session. */
  const loginPage = (browser: TestBrowser) => begin(browser, server.issuer, 'first-party', { prompt: 'login' });
  const signIn = async (browser: TestBrowser, username: string, password: string): Promise<Step> => submit(browser, await loginPage(browser), { username, password });
  const throttled = (step: Step) => {
    assert.equal(step.status, 401);
    assert.match(step.html, /Too many failed attempts\. Try again in 1 minute\./);
  };
  const wrong = (step: Step) => {
    assert.equal(step.status, 401);
    assert.match(step.html, /The username or password is incorrect/);
  };

  it('three failures from one address stop the form there, even with the right password; other addresses go on', async () => {
    const attacker = browserAt();
    for (let i = 0; i < 3; i++) wrong(await signIn(attacker, 'alice', 'wrong password!'));
    throttled(await signIn(attacker, 'alice', ALICE_PASSWORD));
    assert.ok((await signIn(browserAt(), 'alice', ALICE_PASSWORD)).redirect);
    nextWindow();
    assert.ok((await signIn(attacker, 'alice', ALICE_PASSWORD)).redirect);
  });

  it('the device cookie: an attacker spreading guesses locks strangers out of the account, but not its owner\'s browser', async () => {
    nextWindow();
    const owner = browserAt();
    const first = await signIn(owner, 'bob', 'bob-password-1234');
    assert.ok(first.redirect);
    assert.ok(owner.cookies.some((c) => c.name === 'tessera_device' && c.path === '/oauth2/community/acme/'), 'device cookie set after the sign-in');
    for (let i = 0; i < 5; i++) wrong(await signIn(browserAt(), 'bob', 'wrong password!'));
    throttled(await signIn(browserAt(), 'bob', 'bob-password-1234'));
    // The owner's browser, even from a new address, still signs in (and its own mistakes are limited separately).
    const roaming = new TestBrowser({ 'x-forwarded-for': '192.0.2.77' });
    roaming.cookies.push(...owner.cookies.filter((c) => c.name === 'tessera_device'));
    wrong(await signIn(roaming, 'bob', 'typo password'));
    assert.ok((await signIn(roaming, 'bob', 'bob-password-1234')).redirect);
    // A made-up device cookie does not help.
    const forger = browserAt();
    forger.cookies.push({ name: 'tessera_device', value: 'forged', path: '/oauth2/community/acme/' });
    throttled(await signIn(forger, 'bob', 'bob-password-1234'));
  });

  it('no device cookie before the second factor: a password alone does not make a trusted device', async () => {
    nextWindow();
    const browser = browserAt();
    const step = await signIn(browser, 'carol', CAROL_PASSWORD);
    assert.match(step.html, /Two-step verification/);
    assert.ok(!browser.cookies.some((c) => c.name === 'tessera_device'));
    assert.ok((await submit(browser, step, { code: totpAt(CAROL_SECRET, server.clock.now()) })).redirect);
    assert.ok(browser.cookies.some((c) => c.name === 'tessera_device'));
  });

  it('codes: three wrong TOTP or recovery codes from one address stop even the right code until the window ends', async () => {
    nextWindow();
    server.clock.advance(30);
    const browser = browserAt();
    const step = await signIn(browser, 'carol', CAROL_PASSWORD);
    const right = totpAt(CAROL_SECRET, server.clock.now());
    const bad = right === '000000' ? '111111' : '000000';
    assert.match((await submit(browser, step, { code: bad })).html, /That code is not valid/);
    assert.match((await submit(browser, step, { code: bad })).html, /That code is not valid/);
    assert.match((await submit(browser, step, { step: 'recovery', code: 'aaaaa-bbbbb' })).html, /not valid or was already used/);
    const stopped = await submit(browser, step, { code: right });
    assert.equal(stopped.status, 401);
    assert.match(stopped.html, /Too many failed attempts/);
    nextWindow();
    assert.ok((await submit(browser, step, { code: totpAt(CAROL_SECRET, server.clock.now()) })).redirect);
  });

  it('every failure is logged, without the password or the code', async () => {
    const failures = logLines.filter((l) => l.includes('sign-in attempt failed'));
    assert.ok(failures.some((l) => l.includes('"kind":"password"')));
    assert.ok(failures.some((l) => l.includes('"kind":"otp"')));
    const all = logLines.join('\n');
    for (const secret of ['wrong password!', 'typo password', ALICE_PASSWORD, CAROL_PASSWORD, 'aaaaa-bbbbb', CAROL_SECRET]) assert.ok(!all.includes(secret), `log contains ${secret}`);
  });
});
