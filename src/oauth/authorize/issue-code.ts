/** Issues the authorization code (256 bits, stored by hash, bound to client, redirect_uri, PKCE, nonce, session). */
import { randomUUID } from 'node:crypto';
import { randomToken, sha256 } from '../../keys/secrets.js';
import { insertAuthorizationCode } from '../../store/authorization-codes.js';
import type { Community, ResolvedClient } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import type { LoginState } from '../../identity/sessions.js';
import type { AuthorizationRequest } from './request.js';
import { authorizationRedirect } from './response.js';

export async function issueCode(provider: Provider, community: Community, client: ResolvedClient, request: AuthorizationRequest, login: LoginState): Promise<string> {
  const now = provider.clock.now();
  const code = randomToken(32);
  await insertAuthorizationCode(provider.db, {
    code_hash: sha256(code),
    grant_id: randomUUID(),
    community_id: community.id,
    client_id: client.metadata.client_id,
    user_id: login.userId,
    redirect_uri: request.redirect_uri,
    scope: request.scope.join(' '),
    nonce: request.nonce ?? null,
    code_challenge: request.code_challenge ?? null,
    code_challenge_method: request.code_challenge_method ?? null,
    auth_time: login.authTime,
    acr: login.acr,
    amr: JSON.stringify(login.amr),
    sid: login.sid,
    created_at: now,
    expires_at: now + provider.config.lifetimes.authorizationCode,
    consumed_at: null,
  });
  return authorizationRedirect(request.redirect_uri, community.issuer, { code, state: request.state });
}
