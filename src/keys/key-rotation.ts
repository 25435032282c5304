/**
 * The rules of signing key rotation, as pure functions of the stored key times and the current time, so every node
 * (several processes over one database) reaches the same answer without talking to the others.
 *
 * Per algorithm, at time `now` (epoch seconds):
 * - ACTIVE: the key with the greatest `activates_at` ≤ now (ties: the greater `created_at`, then the greater `kid`).
 *   It signs every new token. It stays ACTIVE whatever its `retires_at` says until a newer key activates, so an
 *   algorithm never runs out of a signing key.
 * - NEXT: `activates_at` > now. Published in JWKS (relying parties learn it before it signs), never signs.
 * - RETIRING: an older key (activates_at ≤ now, not the active one) whose `retires_at` is null or still ahead.
 *   Published, and accepted when this community verifies its own tokens, until every token it signed has expired.
 * - RETIRED: an older key whose `retires_at` ≤ now. Not published, not used to verify; the sweeper deletes it later.
 *
 * JWKS (and the community's own verification key set) is NEXT + ACTIVE + RETIRING.
 */

export type KeyState = 'next' | 'active' | 'retiring' | 'retired';

/** What the rules need of a stored key. */
export interface KeyTimes {
  kid: string;
  alg: string;
  created_at: number;
  activates_at: number;
  retires_at: number | null;
}

/** Seconds added to the longest token lifetime before a superseded key is retired (clock skew, slow clients). */
export const RETIRE_MARGIN_SECONDS = 60;

/** Retired keys are deleted this long after `retires_at`. */
export const RETIRED_KEY_GRACE_SECONDS = 86400;

/** Orders keys of one algorithm newest first: the first one activated by `now` is the ACTIVE one. */
function newestFirst(a: KeyTimes, b: KeyTimes): number {
  return b.activates_at - a.activates_at || b.created_at - a.created_at || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0);
}

/** The state of every key (by kid) at `now`. */
export function keyStates(keys: readonly KeyTimes[], now: number): Map<string, KeyState> {
  const states = new Map<string, KeyState>();
  const activeByAlg = new Map<string, string>();
  for (const key of [...keys].sort(newestFirst)) {
    if (key.activates_at > now) states.set(key.kid, 'next');
    else if (!activeByAlg.has(key.alg)) {
      activeByAlg.set(key.alg, key.kid);
      states.set(key.kid, 'active');
    } else states.set(key.kid, key.retires_at === null || key.retires_at > now ? 'retiring' : 'retired');
  }
  return states;
}

/** Whether a key in this state is published in JWKS and accepted for verification. */
export function isPublished(state: KeyState): boolean {
  return state !== 'retired';
}

/** The ACTIVE key of `alg` at `now`, if there is one. */
export function activeKey<K extends KeyTimes>(keys: readonly K[], alg: string, now: number): K | undefined {
  return [...keys].filter((k) => k.alg === alg && k.activates_at <= now).sort(newestFirst)[0];
}

/** The NEXT keys of `alg` at `now` (activating later; published, not signing yet). */
export function nextKeys<K extends KeyTimes>(keys: readonly K[], alg: string, now: number): K[] {
  return keys.filter((k) => k.alg === alg && k.activates_at > now);
}

/**
 * The first time after `now` at which some key changes state (a NEXT key activates, a RETIRING key retires), or
 * Infinity: until then what was computed at `now` stays right.
 */
export function nextTransition(keys: readonly KeyTimes[], now: number): number {
  let next = Infinity;
  for (const key of keys) {
    if (key.activates_at > now && key.activates_at < next) next = key.activates_at;
    if (key.retires_at !== null && key.retires_at > now && key.retires_at < next) next = key.retires_at;
  }
  return next;
}

/** Longest lifetime of a token signed with a community key, in seconds. */
export interface SignedTokenLifetimes {
  accessToken: number;
  idToken: number;
}

/**
 * When a key superseded by a key activating at `activatesAt` may retire: it signs until then, and the last token it
 * signed lives at most the longest token lifetime, plus a margin.
 */
export function retireTime(activatesAt: number, lifetimes: SignedTokenLifetimes): number {
  return activatesAt + Math.max(lifetimes.accessToken, lifetimes.idToken) + RETIRE_MARGIN_SECONDS;
}

/**
 * When a new key for `alg` rotated in at `now` activates: after the publish delay, and always strictly after every
 * key of `alg` already activated (so the new key is unambiguously the newest, even with a delay of 0).
 */
export function newKeyActivation(keys: readonly KeyTimes[], alg: string, now: number, publishDelaySeconds: number): number {
  let at = now + publishDelaySeconds;
  for (const key of keys) if (key.alg === alg && key.activates_at <= now && key.activates_at >= at) at = key.activates_at + 1;
  return at;
}

/**
 * Whether scheduled rotation is due for `alg`: the newest key activated at least `rotationDays` ago and there is no
 * NEXT key (a rotation already under way). `rotationDays` 0 turns scheduled rotation off.
 */
export function rotationDue(keys: readonly KeyTimes[], alg: string, now: number, rotationDays: number): boolean {
  if (rotationDays <= 0) return false;
  if (nextKeys(keys, alg, now).length > 0) return false;
  const active = activeKey(keys, alg, now);
  return active === undefined || active.activates_at <= now - rotationDays * 86400;
}
