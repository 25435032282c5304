/**
 * Token revocation (RFC 7009). Revoking a refresh token revokes its whole grant (the family and the access tokens
 * issued from it, §2.1); revoking an access token revokes that token. A token that is unknown, invalid, or issued to
 * another client is answered 200 without effect, so the endpoint reveals nothing about tokens.
 */
import { authenticateClient } from './client-auth.js';
import { resolveAccessToken } from './access-token.js';
import type { Params } from './params.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { sha256 } from '../keys/secrets.js';
import { findRefreshToken } from '../store/refresh-tokens.js';
import { revokeGrant } from '../store/grants.js';
import { revokeAccessToken } from '../store/access-tokens.js';

export async function revoke(provider: Provider, community: Community, authorization: string | undefined, params: Params): Promise<void> {
  const endpoint = `${community.issuer}/v1/revoke`;
  const client = await authenticateClient(provider, community, { authorization, params, audiences: [community.issuer, endpoint, `${community.issuer}/v1/token`] });
  const token = params.require('token');
  const now = provider.clock.now();
  const clientId = client.metadata.client_id;

  const refresh = await findRefreshToken(provider.db, sha256(token));
  if (refresh && refresh.community_id === community.id) {
    if (refresh.client_id === clientId) await revokeGrant(provider.db, refresh.grant_id, now);
    return;
  }
  const access = await resolveAccessToken(provider, community, token);
  if (!access || access.clientId !== clientId) return;
  await revokeAccessToken(
    provider.db,
    {
      id: access.id,
      grant_id: access.grantId,
      community_id: community.id,
      client_id: access.clientId,
      user_id: access.userId,
      scope: access.scope.join(' '),
      format: access.format,
      auth_time: access.authTime ?? null,
      created_at: access.iat,
      expires_at: access.exp,
      revoked_at: now,
    },
    now,
  );
}
