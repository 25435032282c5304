/**
 * client_credentials grant (RFC 6749 §4.4): a confidential client acting for itself. Without `scope`, every scope
 * registered for the client is granted (OIDC scopes excluded); `openid` and `offline_access` make no sense here.
 * No refresh token (§4.4.3), no ID token.
 */
import { invalidScope } from '../errors.js';
import { parseScope, requireAllowedScopes } from '../scopes.js';
import { mintAccessToken, storeTokens, type TokenResponse } from '../tokens.js';
import type { GrantHandler } from './grant.js';

const USER_SCOPES = new Set(['openid', 'offline_access', 'profile', 'email', 'address', 'phone']);

export const clientCredentialsGrant: GrantHandler = {
  grantType: 'client_credentials',
  async handle({ provider, community, client, params }) {
    const requested = parseScope(params.get('scope'));
    const userScopes = requested.filter((s) => USER_SCOPES.has(s));
    if (userScopes.length > 0) throw invalidScope(`scope ${userScopes.join(' ')} needs a user; not available with client_credentials`);
    requireAllowedScopes(requested, client.scopes);
    const scope = requested.length > 0 ? requested : [...client.scopes].filter((s) => !USER_SCOPES.has(s));
    const now = provider.clock.now();
    const access = await mintAccessToken(community, client, { userId: null, scope, grantId: null }, now, provider.config.lifetimes);
    await storeTokens(provider.db, access);
    const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn };
    if (scope.length > 0) response.scope = scope.join(' ');
    return response;
  },
};
