/**
 * Issues the authorization code (256 bits, stored by hash, bound to client, redirect_uri, PKCE, nonce, session), and
 * records that the session signed in to the client (session list, front-/back-channel logout).
 */
import { randomUUID } from 'node:crypto';
import { randomToken, sha256 } from '../../keys/secrets.js';
import { insertAuthorizationCode } from '../../store/authorization-codes.js';
import type { Community, ResolvedClient } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import type { LoginState } from '../../identity/sessions.js';
import type { AuthorizationRequest } from './request.js';
import { authorizationRedirect } from './response.js';
import { requestedClaimsJson } from '../claims-request.js';

/** Sign-ins this node recorded lately: SSO sign-ins to the same client write once, not on every authorization. */
const recorded = new Set<string>();
const RECORDED_MAX = 10_000;

/** The session `login.sid` has signed in to this client; remembered as long as a session can live. */
export async function recordSignIn(provider: Provider, community: Community, client: ResolvedClient, login: LoginState, now: number): Promise<void> {
  const key = `${community.id}\u0000${login.sid}\u0000${client.metadata.client_id}`;
  if (recorded.has(key)) return;
  await provider.shortLived.recordSessionClient({
    community_id: community.id,
    sid: login.sid,
    client_id: client.metadata.client_id,
    created_at: now,
    expires_at: now + provider.config.lifetimes.session,
  });
  if (recorded.size >= RECORDED_MAX) recorded.delete(recorded.values().next().value!);
  recorded.add(key);
}

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
    claims: requestedClaimsJson(request),
    created_at: now,
    expires_at: now + provider.config.lifetimes.authorizationCode,
    consumed_at: null,
  });
  await recordSignIn(provider, community, client, login, now);
  return authorizationRedirect(request.redirect_uri, community.issuer, { code, state: request.state });
}
