/**
 * Resource owner password credentials grant (RFC 6749 §4.3). RFC 9700 §2.4 says it MUST NOT be used, so it is off
 * unless a client lists `password` in its grant_types (migration of legacy apps). It has no second step: an account
 * that needs a second factor is refused (invalid_grant). `acr_values` is accepted and
 * `tenant:NAME` ignored, as in the seed's token endpoint.
 */
import { randomUUID } from 'node:crypto';
import { invalidGrant } from '../errors.js';
import { parseScope, requireAllowedScopes } from '../scopes.js';
import { findUserByUsername } from '../../store/users.js';
import { verifyPassword } from '../../identity/password.js';
import { attemptAllowed, recordFailure, recordSuccess, type Attempt } from '../../identity/throttle.js';
import { secondFactorNeed } from '../../identity/mfa-policy.js';
import type { GrantHandler } from './grant.js';
import { userTokenResponse, wantsRefreshToken } from './user-tokens.js';

export const passwordGrant: GrantHandler = {
  grantType: 'password',
  async handle(ctx) {
    const { provider, community, client, params } = ctx;
    const username = params.require('username');
    const password = params.require('password');
    const requested = parseScope(params.get('scope'));
    requireAllowedScopes(requested, client.scopes);
    const scope = requested.length > 0 ? requested : [...client.scopes];
    const attempt: Attempt = { community, account: username, kind: 'password', address: ctx.address, trustedDevice: false };
    const verdict = await attemptAllowed(provider, attempt);
    if (!verdict.allowed) {
      provider.log.warn({ community: community.name, client: client.metadata.client_id, address: ctx.address }, 'password grant: throttled');
      throw invalidGrant(`too many failed attempts; try again in ${verdict.retryAfter} seconds`);
    }
    const user = await findUserByUsername(provider.db, community.id, username);
    const ok = await verifyPassword(password, user?.password_hash ?? null, provider.config.passwordHashCost);
    if (!user || !ok) {
      provider.log.info({ community: community.name, client: client.metadata.client_id }, 'password grant: bad credentials');
      await recordFailure(provider, attempt);
      throw invalidGrant('invalid username or password');
    }
    await recordSuccess(provider, attempt, verdict);
    const now = provider.clock.now();
    // The grant has no second step: an account that needs one (policy, acr_values, or an enrolled factor) signs in
    // through the browser (identity/mfa-policy.ts), or the password alone would bypass its second factor.
    const passwordOnly = { userId: user.id, authTime: now, amr: ['pwd'], acr: null, sid: '' };
    if (await secondFactorNeed(provider, community, client, { acr_values: params.get('acr_values') }, passwordOnly)) {
      provider.log.info({ community: community.name, client: client.metadata.client_id }, 'password grant: a second factor is required');
      throw invalidGrant('this account signs in with a second factor; use the authorization code flow');
    }
    const grantId = randomUUID();
    return userTokenResponse(ctx, {
      userId: user.id,
      grantId,
      scope,
      authTime: now,
      acr: null,
      amr: ['pwd'],
      sid: null,
      issueRefresh: wantsRefreshToken(ctx, scope),
    });
  },
};
