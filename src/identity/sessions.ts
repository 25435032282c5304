/**
 * SSO sessions: one current-session cookie per browser and community (Path-scoped to the community), HttpOnly,
 * SameSite=Lax, Secure under https; the browser's other signed-in accounts are in browser-accounts.ts. The cookie holds 256 random bits; the store keeps only its hash. `sid` (OIDC Front/Back-Channel
 * Logout) is a separate random identifier.
 */
import { randomToken, sha256 } from '../keys/secrets.js';
import type { SessionTable } from '../store/schema.js';
import { achievedAcr } from './acr.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';

export const SESSION_COOKIE = 'tessera_session';

export function communityCookiePath(community: Pick<Community, 'name'>): string {
  return `/oauth2/community/${community.name}/`;
}

export interface LoginState {
  userId: string;
  authTime: number;
  amr: string[];
  acr: string | null;
  sid: string;
}

/** The session as a login; its acr follows its amr (a second factor added later raises it, identity/acr.ts). */
export function loginStateOf(session: SessionTable): LoginState {
  const amr = JSON.parse(session.amr) as string[];
  return { userId: session.user_id, authTime: session.auth_time, amr, acr: achievedAcr(amr, session.acr), sid: session.sid };
}

export async function currentSession(provider: Provider, community: Community, cookie: string | undefined): Promise<SessionTable | undefined> {
  if (!cookie || cookie.length > 100) return undefined;
  return provider.shortLived.findLiveSession(community.id, sha256(cookie), provider.clock.now());
}

/**
 * Starts a session for `userId`. The browser's previous session ends when it was the same user's (a re-login);
 * another user's session stays alive and is returned as `kept`, for the browser's account list
 * (browser-accounts.ts).
 */
export async function startSession(provider: Provider, community: Community, userId: string, amr: string[], previousCookie: string | undefined, acr: string | null = null): Promise<{ cookie: string; login: LoginState; kept?: string }> {
  const now = provider.clock.now();
  const previous = await currentSession(provider, community, previousCookie);
  if (previous && previous.user_id === userId) await provider.shortLived.endSession(community.id, previous.sid, now);
  const cookie = randomToken(32);
  const row: SessionTable = {
    cookie_hash: sha256(cookie),
    sid: randomToken(16),
    community_id: community.id,
    user_id: userId,
    auth_time: now,
    acr,
    amr: JSON.stringify(amr),
    created_at: now,
    expires_at: now + provider.config.lifetimes.session,
    ended_at: null,
  };
  await provider.shortLived.insertSession(row);
  const kept = previous && previous.user_id !== userId ? previousCookie : undefined;
  return kept ? { cookie, login: loginStateOf(row), kept } : { cookie, login: loginStateOf(row) };
}
