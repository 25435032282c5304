/**
 * Brute-force limits on password checks (identity/throttle.ts), through the password grant: per account and
 * address, per account across addresses, per address across accounts; windows end, a success clears its counter,
 * and even the right password is refused while a limit holds. Addresses are simulated with X-Forwarded-For
 * (TRUST_PROXY=true).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE_PASSWORD, CC_SECRET, startServer, type TestServer } from '../support/server.js';
import { expectOAuthError, expectTokens, postToken } from '../support/token-helpers.js';

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
