/**
 * refresh_token grant (RFC 6749 §6, RFC 9700 §4.14.2).
 * - bound to the client it was issued to (another client's token: invalid_grant);
 * - a narrower `scope` may be asked for, never a wider one;
 * - rotation: every use consumes the token and issues a successor in one transaction; presenting a consumed token
 *   (a replay, or the loser of a race) revokes the whole family (the grant);
 * - without rotation (a confidential client with `rotate_refresh_tokens: false`) the same token is returned and stays
 *   valid until it expires or is revoked; only the access token is new.
 */
import { invalidGrant, invalidScope } from '../errors.js';
import { isPublicClient } from '../client.js';
import { sha256 } from '../../keys/secrets.js';
import { parseScope } from '../scopes.js';
import { consumeRefreshToken, findRefreshToken } from '../../store/refresh-tokens.js';
import { revokeGrant } from '../../store/grants.js';
import { findUserById } from '../../store/users.js';
import { mintRefreshToken, storeTokens } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { mintUserTokens } from './user-tokens.js';

export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',
  async handle(ctx) {
    const { provider, community, client, params } = ctx;
    const presented = params.require('refresh_token');
    const requestedScope = parseScope(params.get('scope'));
    const now = provider.clock.now();
    const hash = sha256(presented);
    const row = await findRefreshToken(provider.db, hash);
    if (!row || row.community_id !== community.id || row.client_id !== client.metadata.client_id) {
      throw invalidGrant('refresh token is invalid');
    }
    if (row.revoked_at !== null) throw invalidGrant('refresh token was revoked');
    if (row.expires_at <= now) throw invalidGrant('refresh token expired');
    const granted = row.scope.split(' ').filter(Boolean);
    const scope = requestedScope.length > 0 ? requestedScope : granted;
    const wider = scope.filter((s) => !granted.includes(s));
    if (wider.length > 0) throw invalidScope(`scope exceeds the original grant: ${wider.join(' ')}`);
    const user = await findUserById(provider.db, community.id, row.user_id);
    if (!user) throw invalidGrant('the user no longer exists');

    const replayed = async () => {
      await revokeGrant(provider.db, row.grant_id, now);
      provider.log.warn({ community: community.name, client: row.client_id }, 'refresh token reused: token family revoked');
      return invalidGrant('refresh token was already used');
    };
    if (row.consumed_at !== null) throw await replayed();

    const base = { userId: row.user_id, grantId: row.grant_id, authTime: row.auth_time, acr: row.acr, amr: JSON.parse(row.amr) as string[], sid: row.sid, claims: row.claims ?? null };
    const userClaims = row.claims ? (JSON.parse(user.claims) as Record<string, unknown>) : undefined;
    if (client.metadata.rotate_refresh_tokens === false && !isPublicClient(client)) {
      const minted = await mintUserTokens(ctx, { ...base, scope, issueRefresh: false, userClaims });
      await storeTokens(provider.db, minted.access);
      return { ...minted.response, refresh_token: presented };
    }
    // The successor keeps the scope of the grant; the access token may be narrower.
    const successor = mintRefreshToken(community, client, { ...base, scope: granted }, now, provider.config.lifetimes);
    const minted = await mintUserTokens(ctx, { ...base, scope, issueRefresh: false, userClaims });
    const rotated = await provider.db.transaction().execute(async (trx) => {
      if (!(await consumeRefreshToken(trx, hash, now))) return false;
      await storeTokens(trx, minted.access, successor);
      return true;
    });
    if (!rotated) throw await replayed();
    return { ...minted.response, refresh_token: successor.token };
  },
};
