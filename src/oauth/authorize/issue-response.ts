/**
 * Issues the authorization response for a signed-in user (RFC 6749 §4.1.2, §4.2.2, OIDC Core §3.1.2.5, §3.2.2.5,
 * §3.3.2.5), and records that the session signed in to the client (session list, front-/back-channel logout).
 * What it carries follows the response type:
 * - `code`: 256 bits, stored by hash, bound to client, redirect_uri, PKCE, nonce, session;
 * - `token`: an access token minted exactly as at the token endpoint (tokens.ts), with token_type, expires_in and
 *   scope, never a refresh token; it belongs to the same grant as the code, so revoking the grant reaches it;
 * - `id_token`: signed for the client, with the nonce, `at_hash` beside an access token, `c_hash` beside a code and
 *   `s_hash` (FAPI 1.0 Advanced §5.2.2.1) when state is present. With `response_type=id_token` alone the client has no
 *   access token for userinfo, so the ID token carries the claims of the granted scopes (OIDC Core §5.4). Claims
 *   requested for the ID token by the claims parameter (claims-request.ts) are in every ID token; the request is
 *   stored with the code and the access token for the token endpoint and UserInfo.
 */
import { randomUUID } from 'node:crypto';
import { randomToken, sha256 } from '../../keys/secrets.js';
import { insertAuthorizationCode } from '../../store/authorization-codes.js';
import { findUserById } from '../../store/users.js';
import type { Community, ResolvedClient } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import type { LoginState } from '../../identity/sessions.js';
import { mintAccessToken, storeTokens, type MintedAccessToken } from '../tokens.js';
import { issueIdToken } from '../id-token.js';
import { claimsForScopes } from '../scopes.js';
import { OAuthError } from '../errors.js';
import type { AuthorizationRequest } from './request.js';
import { authorizationResponse, type AuthorizationResponse } from './response.js';
import { responseTypeParts } from './response-type.js';
import { parseRequestedClaims, requestedClaimValues, requestedClaimsJson } from '../claims-request.js';

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

async function issueCode(provider: Provider, community: Community, client: ResolvedClient, request: AuthorizationRequest, login: LoginState, grantId: string, now: number): Promise<string> {
  const code = randomToken(32);
  await insertAuthorizationCode(provider.db, {
    code_hash: sha256(code),
    grant_id: grantId,
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
  return code;
}

export async function issueAuthorizationResponse(provider: Provider, community: Community, client: ResolvedClient, request: AuthorizationRequest, login: LoginState): Promise<AuthorizationResponse> {
  const now = provider.clock.now();
  const parts = responseTypeParts(request.response_type);
  const grantId = randomUUID();
  const values: Record<string, string | undefined> = {};
  if (parts.has('code')) values.code = await issueCode(provider, community, client, request, login, grantId, now);
  let access: MintedAccessToken | undefined;
  if (parts.has('token')) {
    const subject = { userId: login.userId, scope: request.scope, grantId, authTime: login.authTime, acr: login.acr, amr: login.amr, sid: login.sid, claims: requestedClaimsJson(request) };
    access = await mintAccessToken(community, client, subject, now, provider.config.lifetimes);
    await storeTokens(provider.db, access);
    Object.assign(values, { access_token: access.token, token_type: 'Bearer', expires_in: String(access.expiresIn), scope: request.scope.join(' ') });
  }
  if (parts.has('id_token')) {
    let extraClaims: Record<string, unknown> | undefined;
    const requested = parseRequestedClaims(requestedClaimsJson(request));
    if (request.response_type === 'id_token' || requested.claims?.id_token) {
      const user = await findUserById(provider.db, community.id, login.userId);
      if (!user) throw new OAuthError('access_denied', 'the account no longer exists');
      const userClaims = JSON.parse(user.claims) as Record<string, unknown>;
      extraClaims = {
        ...(request.response_type === 'id_token' ? claimsForScopes(request.scope, userClaims, requested.locales ?? []) : {}),
        ...requestedClaimValues('id_token', requested, userClaims),
      };
    }
    values.id_token = await issueIdToken(community, client, {
      sub: login.userId,
      now,
      lifetime: provider.config.lifetimes.idToken,
      authTime: login.authTime,
      nonce: request.nonce,
      acr: login.acr,
      amr: login.amr,
      sid: login.sid,
      accessToken: access?.token,
      code: values.code,
      state: request.state,
      extraClaims,
    });
  }
  values.state = request.state;
  await recordSignIn(provider, community, client, login, now);
  return authorizationResponse(request.redirect_uri, community.issuer, request.response_mode, values);
}
