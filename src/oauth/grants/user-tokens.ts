/**
 * The token response for a grant that acts for a user (authorization_code, refresh_token, password): an access
 * token, a refresh token when the client may have one and asked for it, and an ID token for `openid`.
 */
import { mintAccessToken, mintRefreshToken, storeTokens, type MintedAccessToken, type MintedRefreshToken, type TokenResponse } from '../tokens.js';
import { issueIdToken } from '../id-token.js';
import type { GrantContext } from './grant.js';
import { parseRequestedClaims, requestedClaimValues } from '../claims-request.js';

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
  /** The claims request (oauth/claims-request.ts), JSON, kept on the tokens; with the user's claims for the ID token (needed only with a claims request). */
  claims?: string | null;
  userClaims?: Readonly<Record<string, unknown>>;
}

export function wantsRefreshToken(ctx: GrantContext, scope: readonly string[]): boolean {
  if (!ctx.client.metadata.grant_types.includes('refresh_token')) return false;
  return scope.includes('offline_access') || !scope.includes('openid');
}

export interface MintedUserTokens {
  response: TokenResponse;
  access: MintedAccessToken;
  refresh?: MintedRefreshToken;
}

/** Signs and assembles the response; nothing is stored yet (see storeTokens). */
export async function mintUserTokens(ctx: GrantContext, grant: UserGrant): Promise<MintedUserTokens> {
  const { provider, community, client } = ctx;
  const now = provider.clock.now();
  const lifetimes = provider.config.lifetimes;
  const access = await mintAccessToken(community, client, grant, now, lifetimes);
  const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope: grant.scope.join(' ') };
  const refresh = grant.issueRefresh ? mintRefreshToken(community, client, grant, now, lifetimes) : undefined;
  if (refresh) response.refresh_token = refresh.token;
  if (grant.scope.includes('openid')) {
    response.id_token = await issueIdToken(community, client, {
      sub: grant.userId,
      now,
      lifetime: lifetimes.idToken,
      authTime: grant.authTime,
      nonce: grant.nonce,
      acr: grant.acr,
      amr: grant.amr,
      sid: grant.sid,
      accessToken: access.token,
      ...(grant.claims ? { extraClaims: requestedClaimValues('id_token', parseRequestedClaims(grant.claims), grant.userClaims ?? {}) } : {}),
    });
  }
  return refresh ? { response, access, refresh } : { response, access };
}

/** Mints and stores, for a grant that needs no transaction of its own (password). */
export async function userTokenResponse(ctx: GrantContext, grant: UserGrant): Promise<TokenResponse> {
  const minted = await mintUserTokens(ctx, grant);
  await storeTokens(ctx.provider.db, minted.access, minted.refresh);
  return minted.response;
}
