/** The browser's session cookies (identity/sessions.ts, identity/browser-accounts.ts): reading, setting, clearing. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { SESSION_COOKIE, communityCookiePath } from '../identity/sessions.js';
import { ACCOUNTS_COOKIE, otherAccountsValue, type BrowserCookies } from '../identity/browser-accounts.js';
import { cookieOptions } from './respond.js';

export function browserCookies(request: FastifyRequest): BrowserCookies {
  return { session: request.cookies[SESSION_COOKIE], accounts: request.cookies[ACCOUNTS_COOKIE] };
}

/** `current` becomes the browser's session; `kept` (the previous current one, still signed in) and the others stay listed. */
export function setCurrentSession(reply: FastifyReply, provider: Provider, community: Community, cookies: BrowserCookies, current: string, kept?: string): void {
  const options = cookieOptions(provider, communityCookiePath(community));
  reply.setCookie(SESSION_COOKIE, current, options);
  const others = otherAccountsValue(cookies, current, kept);
  if (others) reply.setCookie(ACCOUNTS_COOKIE, others, options);
  else if (cookies.accounts !== undefined) reply.clearCookie(ACCOUNTS_COOKIE, options);
}

/** Signed out of every account on this browser. */
export function clearSessionCookies(reply: FastifyReply, provider: Provider, community: Community): void {
  const options = cookieOptions(provider, communityCookiePath(community));
  reply.clearCookie(SESSION_COOKIE, options);
  reply.clearCookie(ACCOUNTS_COOKIE, options);
}
