/**
 * Token introspection (RFC 7662). The caller must be an authenticated (confidential) client of the community.
 * Access tokens of any client are described (the caller is a resource server); a refresh token only to the client
 * it was issued to. Anything else, expired or revoked: `{"active": false}`.
 */
import { OAuthError } from './errors.js';
import { authenticateClient } from './client-auth.js';
import { resolveAccessToken } from './access-token.js';
import type { Params } from './params.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { sha256 } from '../keys/secrets.js';
import { findRefreshToken } from '../store/refresh-tokens.js';

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

export async function introspect(provider: Provider, community: Community, authorization: string | undefined, params: Params): Promise<IntrospectionResponse> {
  const endpoint = `${community.issuer}/v1/introspect`;
  const client = await authenticateClient(provider, community, { authorization, params, audiences: [community.issuer, endpoint, `${community.issuer}/v1/token`] });
  if (client.metadata.token_endpoint_auth_method === 'none') throw new OAuthError('invalid_client', 'introspection requires client authentication');
  const token = params.require('token');
  const hint = params.get('token_type_hint');
  const now = provider.clock.now();

  const tryRefresh = async (): Promise<IntrospectionResponse | undefined> => {
    const row = await findRefreshToken(provider.db, sha256(token));
    if (!row || row.community_id !== community.id || row.client_id !== client.metadata.client_id) return undefined;
    if (row.revoked_at !== null || row.consumed_at !== null || row.expires_at <= now) return undefined;
    return { active: true, token_type: 'refresh_token', client_id: row.client_id, sub: row.user_id, scope: row.scope, iat: row.created_at, exp: row.expires_at, iss: community.issuer };
  };
  const tryAccess = async (): Promise<IntrospectionResponse | undefined> => {
    const at = await resolveAccessToken(provider, community, token);
    if (!at) return undefined;
    const out: Record<string, unknown> = {
      active: true,
      token_type: 'Bearer',
      client_id: at.clientId,
      sub: at.userId ?? at.clientId,
      scope: at.scope.join(' '),
      iat: at.iat,
      exp: at.exp,
      iss: community.issuer,
    };
    if (at.aud !== undefined) out.aud = at.aud;
    if (at.jti !== undefined) out.jti = at.jti;
    if (at.authTime !== undefined) out.auth_time = at.authTime;
    if (at.act !== undefined) out.act = at.act;
    return out as IntrospectionResponse;
  };
  const order = hint === 'refresh_token' ? [tryRefresh, tryAccess] : [tryAccess, tryRefresh];
  for (const attempt of order) {
    const result = await attempt();
    if (result) return result;
  }
  return { active: false };
}
