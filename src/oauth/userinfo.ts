/**
 * UserInfo (OIDC Core §5.3) with RFC 6750 errors: a valid access token of a user with the `openid` scope, and the
 * claims its scopes release, plus those the claims request parameter named for `userinfo` (claims-request.ts).
 */
import { OAuthError } from './errors.js';
import { resolveAccessToken } from './access-token.js';
import { claimsForScopes } from './scopes.js';
import { parseRequestedClaims, requestedClaimValues } from './claims-request.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { findUserById } from '../store/users.js';

export async function userinfo(provider: Provider, community: Community, token: string): Promise<Record<string, unknown>> {
  const at = await resolveAccessToken(provider, community, token);
  if (!at) throw new OAuthError('invalid_token', 'the access token is invalid, expired or revoked');
  if (!at.userId || !at.scope.includes('openid')) throw new OAuthError('insufficient_scope', 'the access token was not issued with the openid scope for a user');
  const user = await findUserById(provider.db, community.id, at.userId);
  if (!user) throw new OAuthError('invalid_token', 'the user no longer exists');
  const userClaims = JSON.parse(user.claims) as Record<string, unknown>;
  const requested = parseRequestedClaims(at.claims);
  return { ...claimsForScopes(at.scope, userClaims, requested.locales ?? []), ...requestedClaimValues('userinfo', requested, userClaims), sub: user.id };
}
