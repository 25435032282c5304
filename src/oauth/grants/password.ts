/**
 * Resource owner password credentials grant (RFC 6749 §4.3). RFC 9700 §2.4 says it MUST NOT be used, so it is off
 * unless a client lists `password` in its grant_types (migration of legacy apps). `acr_values` is accepted and
 * `tenant:NAME` ignored, as in the seed's token endpoint.
 */
import { randomUUID } from 'node:crypto';
import { invalidGrant } from '../errors.js';
import { parseScope, requireAllowedScopes } from '../scopes.js';
import { findUserByUsername } from '../../store/users.js';
import { verifyPassword } from '../../identity/password.js';
import { attemptAllowed, recordFailure, recordSuccess, type Attempt } from '../../identity/throttle.js';
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
