/**
 * Several accounts signed in on one browser (the account chooser, `prompt=select_account`).
 *
 * The session cookie (sessions.ts) names the browser's current session. A second cookie, `tessera_accounts`
 * (same Path and flags), lists the session-cookie values of the browser's other sessions, each for another user;
 * a login as a new user moves the previous current session there instead of ending it. Entries are
 * re-validated on every read (dead sessions drop out); one session per user is shown, the current one first.
 * Logout ends every session the browser holds.
 */
import type { SessionTable } from '../store/schema.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { currentSession } from './sessions.js';

export const ACCOUNTS_COOKIE = 'tessera_accounts';
/** At most this many other accounts are remembered per browser. */
const MAX_OTHER_ACCOUNTS = 5;
const COOKIE_VALUE = /^[A-Za-z0-9_-]{20,100}$/;

/** What the browser sent: its current session cookie and its list of other sessions. */
export interface BrowserCookies {
  session: string | undefined;
  accounts: string | undefined;
}

export interface BrowserAccount {
  cookie: string;
  session: SessionTable;
  current: boolean;
}

function listed(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .slice(0, 1024)
    .split('.')
    .filter((v) => COOKIE_VALUE.test(v))
    .slice(0, MAX_OTHER_ACCOUNTS);
}

/** The browser's live sessions, one per user, the current one first. */
export async function browserAccounts(provider: Provider, community: Community, cookies: BrowserCookies): Promise<BrowserAccount[]> {
  const candidates = [...(cookies.session ? [{ cookie: cookies.session, current: true }] : []), ...listed(cookies.accounts).map((cookie) => ({ cookie, current: false }))];
  const out: BrowserAccount[] = [];
  for (const candidate of candidates) {
    const session = await currentSession(provider, community, candidate.cookie);
    if (session && !out.some((a) => a.session.user_id === session.user_id)) out.push({ ...candidate, session });
  }
  return out;
}

/**
 * The accounts cookie after `current` became the browser's current session: `kept` (the session that was current
 * until now, when it stays signed in) and the other sessions listed before, without `current`, bounded. A previous
 * current session not passed as `kept` (it ended: a re-login of the same user) is dropped. Empty: clear it.
 */
export function otherAccountsValue(cookies: BrowserCookies, current: string, kept?: string): string {
  const all = [...(kept ? [kept] : []), ...listed(cookies.accounts)];
  return [...new Set(all.filter((c) => c !== current && COOKIE_VALUE.test(c)))].slice(0, MAX_OTHER_ACCOUNTS).join('.');
}

/** Every session this browser holds (for logout). */
export async function allBrowserSessions(provider: Provider, community: Community, cookies: BrowserCookies): Promise<SessionTable[]> {
  const out: SessionTable[] = [];
  for (const cookie of [...(cookies.session ? [cookies.session] : []), ...listed(cookies.accounts)]) {
    const session = await currentSession(provider, community, cookie);
    if (session && !out.some((s) => s.sid === session.sid)) out.push(session);
  }
  return out;
}
