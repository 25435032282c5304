/**
 * The token response for a grant that acts for a user (authorization_code, refresh_token, password): an access
 * token, a refresh token when the client may have one and asked for it, and an ID token for `openid`.
 */
import { issueAccessToken, issueRefreshToken, type TokenResponse } from '../tokens.js';
import { issueIdToken } from '../id-token.js';
import type { GrantContext } from './grant.js';
import type { Db } from '../../store/database.js';

export interface UserGrant {
  userId: string;
  grantId: string;
  scope: string[];
  authTime: number;
  acr: string | null;
  amr: string[];
  sid: string | null;
  nonce?: string | null;
  /** False on refresh: the presented refresh token's successor is issued by the caller's rotation. */
  issueRefresh: boolean;
}

export function wantsRefreshToken(ctx: GrantContext, scope: readonly string[]): boolean {
  if (!ctx.client.metadata.grant_types.includes('refresh_token')) return false;
  return scope.includes('offline_access') || !scope.includes('openid');
}

export async function userTokenResponse(ctx: GrantContext, grant: UserGrant, db: Db = ctx.provider.db): Promise<TokenResponse> {
  const { provider, community, client } = ctx;
  const now = provider.clock.now();
  const lifetimes = provider.config.lifetimes;
  const subject = { ...grant };
  const access = await issueAccessToken(db, community, client, subject, now, lifetimes);
  const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: grant.scope.join(' ') };
  if (grant.issueRefresh) response.refresh_token = await issueRefreshToken(db, community, client, subject, now, lifetimes);
  if (grant.scope.includes('openid')) {
    response.id_token = issueIdToken(community, client, {
      sub: grant.userId,
      now,
      lifetime: lifetimes.idToken,
      authTime: grant.authTime,
      nonce: grant.nonce,
      acr: grant.acr,
      amr: grant.amr,
      sid: grant.sid,
      accessToken: access.token,
    });
  }
  return response;
}
