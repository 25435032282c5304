/**
 * RP-Initiated Logout 1.0. A post_logout_redirect_uri is honoured only when it is registered for the client named
 * by a valid id_token_hint (signed by this community; it may have expired) or by client_id, and both agree. The user
 * confirms on a page whose form carries a CSRF token derived from the session cookie. `state` is returned unchanged.
 */
import { compactVerify } from 'jose';
import { hmacSha256, safeEqual } from '../keys/secrets.js';
import { OAuthError, invalidRequest } from '../oauth/errors.js';
import type { Params } from '../oauth/params.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { currentSession } from './sessions.js';

export interface LogoutRequest {
  /** Where to send the browser afterwards (validated, with state), if anywhere. */
  redirect?: string;
  /** The parameters to carry through the confirmation form. */
  carried: Record<string, string>;
}

async function hintAudience(community: Community, hint: string): Promise<string[]> {
  try {
    const { payload } = await compactVerify(hint, community.ownKeySet);
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown; aud?: unknown };
    if (claims.iss !== community.issuer) throw new Error('foreign');
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    return aud.filter((a): a is string => typeof a === 'string');
  } catch {
    throw invalidRequest('id_token_hint is not an ID token issued by this provider');
  }
}

export async function validateLogout(provider: Provider, community: Community, params: Params): Promise<LogoutRequest> {
  const hint = params.get('id_token_hint');
  const clientIdParam = params.get('client_id');
  const uri = params.get('post_logout_redirect_uri');
  const state = params.get('state');
  params.get('ui_locales');
  params.get('logout_hint');
  const carried: Record<string, string> = {};
  if (hint) carried.id_token_hint = hint;
  if (clientIdParam) carried.client_id = clientIdParam;
  if (uri) carried.post_logout_redirect_uri = uri;
  if (state) carried.state = state;

  let clientId = clientIdParam;
  if (hint) {
    const audiences = await hintAudience(community, hint);
    if (clientId && !audiences.includes(clientId)) throw invalidRequest('client_id does not match the id_token_hint');
    clientId ??= audiences[0];
  }
  if (!uri) return { carried };
  if (!clientId) throw invalidRequest('post_logout_redirect_uri needs id_token_hint or client_id');
  const client = await provider.registry.client(community, clientId);
  if (!client) throw new OAuthError('invalid_client', 'unknown client_id');
  if (!client.metadata.post_logout_redirect_uris.includes(uri)) throw invalidRequest('post_logout_redirect_uri is not registered for this client');
  const target = new URL(uri);
  if (state) target.searchParams.append('state', state);
  return { redirect: target.href, carried };
}

export function logoutCsrf(provider: Provider, sessionCookie: string): string {
  return hmacSha256(provider.secrets.secretHashing, `logout:${sessionCookie}`);
}

export function checkLogoutCsrf(provider: Provider, sessionCookie: string | undefined, presented: string | undefined): boolean {
  return !!sessionCookie && !!presented && safeEqual(logoutCsrf(provider, sessionCookie), presented);
}

/** Ends the browser's session, if any; true when one was ended. */
export async function endBrowserSession(provider: Provider, community: Community, sessionCookie: string | undefined): Promise<boolean> {
  const session = await currentSession(provider, community, sessionCookie);
  if (!session) return false;
  await provider.shortLived.endSession(community.id, session.sid, provider.clock.now());
  return true;
}
