/**
 * The authorization endpoint's decision once the request is valid (OIDC Core §3.1.2.3–§3.1.2.4):
 * - login is needed without a live SSO session, with prompt=login, when max_age has passed since auth_time, or when
 *   id_token_hint names another user; prompt=none then answers login_required;
 * - consent is needed per consent.ts; prompt=none then answers consent_required;
 * - otherwise the authorization response (code and/or tokens) is issued at once (SSO).
 */
import { OAuthError } from '../errors.js';
import type { Params } from '../params.js';
import type { Community } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import { currentSession, loginStateOf, type LoginState } from '../../identity/sessions.js';
import { startInteraction } from '../../identity/interaction.js';
import { RedirectableError, validateAuthorizationRequest } from './pipeline.js';
import { consentNeeded } from './consent.js';
import { issueAuthorizationResponse } from './issue-response.js';
import type { AuthorizationResponse } from './response.js';
import type { AuthorizationRequest } from './request.js';

export type AuthorizeOutcome = { kind: 'response'; response: AuthorizationResponse } | { kind: 'interaction'; uid: string; browserToken: string };

export function loginNeeded(request: AuthorizationRequest, login: LoginState | undefined, now: number): boolean {
  if (!login) return true;
  if (request.prompt.includes('login')) return true;
  if (request.max_age !== undefined && now - login.authTime > request.max_age) return true;
  return request.hinted_sub !== undefined && request.hinted_sub !== login.userId;
}

export async function authorize(provider: Provider, community: Community, params: Params, sessionCookie: string | undefined): Promise<AuthorizeOutcome> {
  const { client, request } = await validateAuthorizationRequest(provider, community, params);
  try {
    const session = await currentSession(provider, community, sessionCookie);
    const login = session ? loginStateOf(session) : undefined;
    const silent = request.prompt.includes('none');
    if (!login || loginNeeded(request, login, provider.clock.now())) {
      if (silent) throw new OAuthError('login_required', 'the user must sign in');
      return { kind: 'interaction', ...(await startInteraction(provider, community, request, undefined)) };
    }
    if (await consentNeeded(provider, community, client, request, login.userId)) {
      if (silent) throw new OAuthError('consent_required', 'the user must consent');
      return { kind: 'interaction', ...(await startInteraction(provider, community, request, login)) };
    }
    return { kind: 'response', response: await issueAuthorizationResponse(provider, community, client, request, login) };
  } catch (err) {
    if (err instanceof OAuthError) throw new RedirectableError(err, request.redirect_uri, request.state, request.response_mode);
    throw err;
  }
}
