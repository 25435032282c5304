/**
 * Brute-force protection for password and one-time-code checks. Failures are counted in fixed windows
 * (LOGIN_THROTTLE_WINDOW_SECONDS, starting with the first failure) under three keys:
 * - the account together with the attempt's origin (a trusted device of that account, or else the client address):
 *   a small limit — guessing from one place stops quickly;
 * - the account across all origins: a larger limit against guessing spread over many addresses — but a browser
 *   that has signed in to that account before (it holds the account's device cookie) is exempt, so an attacker
 *   cannot lock the owner out; everyone else waits at most until the window ends;
 * - the client address across all accounts: against one address trying many accounts (not for trusted devices).
 * A success clears the account-and-origin counter. Usernames are keyed by hash: no account name is stored in a key.
 */
import { hmacSha256, safeEqual, sha256 } from '../keys/secrets.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import type { Message } from '../ui/i18n.js';

export interface Attempt {
  community: Community;
  /** What is being tried: the username typed (password), or the user id (a second factor). */
  account: string;
  /** `password` or a factor name; counters are kept per kind. */
  kind: string;
  /** The client's address as the server sees it (behind TRUST_PROXY: the forwarded one). */
  address: string;
  /** The browser presented this account's device cookie (deviceToken). */
  trustedDevice: boolean;
}

/** Allowed (with the failures already counted for this account and origin), or how long to wait. */
export type Verdict = { allowed: true; recentFailures: number } | { allowed: false; retryAfter: number };

function keys(attempt: Attempt): { accountAndOrigin: string; account: string; address: string } {
  const account = sha256(`${attempt.community.id}\u0000${attempt.account.toLowerCase()}`).slice(0, 32);
  const origin = attempt.trustedDevice ? 'device' : `ip:${attempt.address}`;
  return {
    accountAndOrigin: `${attempt.kind}:ao:${account}:${origin}`,
    account: `${attempt.kind}:a:${account}`,
    address: `${attempt.kind}:ip:${attempt.community.id}:${attempt.address}`,
  };
}

/** Whether an attempt may be checked at all now; when not, how many seconds until it may. */
export async function attemptAllowed(provider: Provider, attempt: Attempt): Promise<Verdict> {
  const limits = provider.config.throttle;
  const k = keys(attempt);
  const checked: [string, number][] = [[k.accountAndOrigin, limits.perAccountAndClient]];
  if (!attempt.trustedDevice) checked.push([k.account, limits.perAccount], [k.address, limits.perClientAddress]);
  const now = provider.clock.now();
  const counts = await provider.shortLived.failureCounts(checked.map(([key]) => key), now);
  let retryAfter = 0;
  counts.forEach((c, i) => {
    if (c.count >= checked[i]![1]) retryAfter = Math.max(retryAfter, c.expiresAt - now);
  });
  return retryAfter > 0 ? { allowed: false, retryAfter } : { allowed: true, recentFailures: counts[0]!.count };
}

export async function recordFailure(provider: Provider, attempt: Attempt): Promise<void> {
  const k = keys(attempt);
  const now = provider.clock.now();
  const window = provider.config.throttle.windowSeconds;
  await Promise.all([k.accountAndOrigin, k.account, k.address].map((key) => provider.shortLived.countFailure(key, window, now)));
  provider.log.info({ community: attempt.community.name, kind: attempt.kind, address: attempt.address, trustedDevice: attempt.trustedDevice }, 'sign-in attempt failed');
}

/** A success clears the account-and-origin counter (nothing to write when it had no failures). */
export async function recordSuccess(provider: Provider, attempt: Attempt, verdict: Verdict): Promise<void> {
  if (verdict.allowed && verdict.recentFailures === 0) return;
  await provider.shortLived.clearFailures(keys(attempt).accountAndOrigin);
}

/**
 * The browser cookie holding deviceToken of the account that last completed a sign-in there (every factor the
 * sign-in needed): Path-scoped to the community, HttpOnly, long-lived (DEVICE_COOKIE_MAX_AGE).
 */
export const DEVICE_COOKIE = 'tessera_device';
export const DEVICE_COOKIE_MAX_AGE = 400 * 86400;

/** The device cookie of an account: proof that this browser signed in to it before (it exempts from lockout). */
export function deviceToken(provider: Provider, community: Community, username: string): string {
  return hmacSha256(provider.secrets.secretHashing, `device:${community.id}:${username.toLowerCase()}`);
}

export function isTrustedDevice(provider: Provider, community: Community, username: string, presented: string | undefined): boolean {
  return presented !== undefined && presented.length < 200 && safeEqual(presented, deviceToken(provider, community, username));
}

/** "Try again in N minutes" for people. */
export function retryMessage(retryAfter: number): Message {
  const minutes = Math.max(1, Math.ceil(retryAfter / 60));
  return minutes === 1 ? 'throttle.retryOne' : { id: 'throttle.retryMany', values: { minutes } };
}
