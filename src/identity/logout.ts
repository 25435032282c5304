/**
 * Ending sessions, and RP-Initiated Logout 1.0.
 *
 * Ending a session tells every client it signed in to: a back-channel logout token to those with a
 * `backchannel_logout_uri` (backchannel-logout.ts), and front-channel iframe URLs (OIDC Front-Channel Logout 1.0)
 * for the signed-out page. A post_logout_redirect_uri is honoured only when it is registered for the client named
 * by a valid id_token_hint (signed by this community; it may have expired) or by client_id, and both agree. The user
 * confirms on a page whose form carries a CSRF token derived from the session cookie. `state` is returned unchanged.
 */
import { verifyOwnIdToken } from '../oauth/id-token.js';
import { hmacSha256, safeEqual } from '../keys/secrets.js';
import { OAuthError, invalidRequest } from '../oauth/errors.js';
import type { Params } from '../oauth/params.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { allBrowserSessions, type BrowserCookies } from './browser-accounts.js';
import type { SessionTable } from '../store/schema.js';
import type { ResolvedClient } from '../runtime/community-registry.js';

export interface LogoutRequest {
  /** Where to send the browser afterwards (validated, with state), if anywhere. */
  redirect?: string;
  /** The parameters to carry through the confirmation form. */
  carried: Record<string, string>;
}

async function hintAudience(community: Community, hint: string): Promise<string[]> {
  const claims = await verifyOwnIdToken(community, hint);
  if (!claims) throw invalidRequest('id_token_hint is not an ID token issued by this provider');
  return claims.aud;
}

export async function validateLogout(provider: Provider, community: Community, params: Params): Promise<LogoutRequest> {
  const hint = params.get('id_token_hint');
  const clientIdParam = params.get('client_id');
  const uri = params.get('post_logout_redirect_uri');
  const state = params.get('state');
  const uiLocales = params.get('ui_locales');
  params.get('logout_hint');
  const carried: Record<string, string> = {};
  if (uiLocales) carried.ui_locales = uiLocales;
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

/** A CSRF token for a form that ends sessions, bound to the session cookie and the form's purpose. */
export function logoutCsrf(provider: Provider, sessionCookie: string, purpose: 'logout' | 'sessions' | 'security' | 'passkeys' = 'logout'): string {
  return hmacSha256(provider.secrets.secretHashing, `${purpose}:${sessionCookie}`);
}

export function checkLogoutCsrf(provider: Provider, sessionCookie: string | undefined, presented: string | undefined, purpose: 'logout' | 'sessions' | 'security' | 'passkeys' = 'logout'): boolean {
  return !!sessionCookie && !!presented && safeEqual(logoutCsrf(provider, sessionCookie, purpose), presented);
}

/** The clients a session signed in to that still exist, in sign-in order. */
export async function clientsOfSession(provider: Provider, community: Community, sid: string): Promise<ResolvedClient[]> {
  const ids = await provider.shortLived.sessionClients(community.id, sid);
  const clients = await Promise.all(ids.map((id) => provider.registry.client(community, id)));
  return clients.filter((c): c is ResolvedClient => c !== undefined);
}

/** Front-Channel Logout 1.0 §2: the client's URI, with `iss` and `sid` when it asked for them. */
function frontChannelUrl(community: Community, client: ResolvedClient, sid: string): string | undefined {
  const uri = client.metadata.frontchannel_logout_uri;
  if (!uri) return undefined;
  const url = new URL(uri);
  if (client.metadata.frontchannel_logout_session_required) {
    url.searchParams.set('iss', community.issuer);
    url.searchParams.set('sid', sid);
  }
  return url.href;
}

/** Ends one session everywhere and notifies its clients; returns the front-channel URLs for this browser's page. */
export async function endSessionAndNotify(provider: Provider, community: Community, session: SessionTable): Promise<string[]> {
  const clients = await clientsOfSession(provider, community, session.sid);
  await provider.shortLived.endSession(community.id, session.sid, provider.clock.now());
  provider.log.info({ community: community.name, sid: session.sid, clients: clients.length }, 'session ended');
  provider.logoutDeliveries.notify(community, clients, { sid: session.sid, userId: session.user_id });
  return clients.map((c) => frontChannelUrl(community, c, session.sid)).filter((u): u is string => u !== undefined);
}

/**
 * Ends every session the browser holds (its current one and its other accounts, browser-accounts.ts): the
 * front-channel URLs to load, once each, or undefined when there was no session.
 */
export async function endBrowserSession(provider: Provider, community: Community, cookies: BrowserCookies): Promise<string[] | undefined> {
  const sessions = await allBrowserSessions(provider, community, cookies);
  if (sessions.length === 0) return undefined;
  const frames = new Set<string>();
  for (const session of sessions) for (const url of await endSessionAndNotify(provider, community, session)) frames.add(url);
  return [...frames];
}

/** Sign-out everywhere: every live session of the user in the community; the front-channel URLs, once each. */
export async function endUserSessions(provider: Provider, community: Community, userId: string): Promise<string[]> {
  const sessions = await provider.shortLived.liveUserSessions(community.id, userId, provider.clock.now());
  const frames = new Set<string>();
  for (const session of sessions) for (const url of await endSessionAndNotify(provider, community, session)) frames.add(url);
  return [...frames];
}
