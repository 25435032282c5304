/**
 * Which local user an upstream login signs in (identity brokering):
 * - an existing link (upstream name + upstream `sub`) always wins;
 * - otherwise by the upstream's `link_by`: `email` links to the one local user with the mapped email, only when the
 *   upstream asserts `email_verified: true`; `username` links to the local user with the mapped username; `none`
 *   never links an existing user;
 * - when nothing matches, a local user is created (no password) with the mapped claims and linked.
 * A local user already linked to another account of the same upstream is never linked a second time.
 */
import { randomUUID } from 'node:crypto';
import type { Provider } from '../../runtime/provider.js';
import type { Community } from '../../runtime/community-registry.js';
import { findUserByUsername } from '../../store/users.js';
import { findLinkedUserId, findUsersByEmail, insertLink, insertUser, userHasLink } from '../../store/upstream-links.js';
import type { Upstream } from './config.js';
import { UpstreamLoginError } from './errors.js';
import { wellTypedClaims } from '../../oauth/standard-claims.js';
import { isUniqueViolation } from '../../store/database.js';

export interface LinkedAccount {
  userId: string;
  /** How the account was found: an existing link, linked now to an existing user, or created now. */
  how: 'link' | 'linked' | 'created';
}

/** Local claims from the upstream's claims by the mapping (absent and null values are left out). */
export function mapClaims(upstream: Upstream, claims: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [local, remote] of Object.entries(upstream.claims)) {
    const value = claims[remote];
    if (value !== undefined && value !== null) out[local] = value;
  }
  return wellTypedClaims(out);
}

async function existingMatch(provider: Provider, community: Community, upstream: Upstream, mapped: Record<string, unknown>, claims: Record<string, unknown>): Promise<string | undefined> {
  if (upstream.linkBy === 'email') {
    const verifiedClaim = upstream.claims.email_verified ?? 'email_verified';
    if (typeof mapped.email !== 'string' || claims[verifiedClaim] !== true) return undefined;
    const users = await findUsersByEmail(provider.db, community.id, mapped.email);
    if (users.length > 1) throw new UpstreamLoginError('account_conflict', 'Several accounts have this email address; it cannot be linked automatically. Ask an administrator.');
    return users[0]?.id;
  }
  if (upstream.linkBy === 'username') {
    if (typeof mapped.username !== 'string' || mapped.username.length > 200) return undefined;
    return (await findUserByUsername(provider.db, community.id, mapped.username))?.id;
  }
  return undefined;
}

async function freeUsername(provider: Provider, community: Community, upstream: Upstream, wanted: unknown, sub: string): Promise<string> {
  const candidates = [typeof wanted === 'string' && wanted.length >= 1 && wanted.length <= 200 ? wanted : undefined, `${upstream.name}:${sub}`.slice(0, 200)];
  for (const candidate of candidates) {
    if (candidate && !(await findUserByUsername(provider.db, community.id, candidate))) return candidate;
  }
  return `${upstream.name}:${randomUUID()}`;
}

export async function resolveAccount(provider: Provider, community: Community, upstream: Upstream, sub: string, claims: Record<string, unknown>): Promise<LinkedAccount> {
  const linked = await findLinkedUserId(provider.db, community.id, upstream.name, sub);
  if (linked) return { userId: linked, how: 'link' };
  const now = provider.clock.now();
  const mapped = mapClaims(upstream, claims);
  const match = await existingMatch(provider, community, upstream, mapped, claims);
  try {
    if (match) {
      if (await userHasLink(provider.db, community.id, upstream.name, match)) {
        throw new UpstreamLoginError('account_conflict', `The matching account is already linked to another ${upstream.label} account.`);
      }
      await insertLink(provider.db, { community_id: community.id, upstream_name: upstream.name, upstream_sub: sub, user_id: match, created_at: now });
      return { userId: match, how: 'linked' };
    }
    const { username: wanted, ...localClaims } = mapped;
    delete localClaims.sub;
    const userId = randomUUID();
    const username = await freeUsername(provider, community, upstream, wanted, sub);
    await provider.db.transaction().execute(async (trx) => {
      await insertUser(trx, { id: userId, community_id: community.id, username, password_hash: null, claims: JSON.stringify(localClaims), created_at: now, updated_at: now });
      await insertLink(trx, { community_id: community.id, upstream_name: upstream.name, upstream_sub: sub, user_id: userId, created_at: now });
    });
    return { userId, how: 'created' };
  } catch (err) {
    // A concurrent first login of the same upstream account (or a username taken meanwhile): use the winner's link.
    if (!isUniqueViolation(err)) throw err;
    const winner = await findLinkedUserId(provider.db, community.id, upstream.name, sub);
    if (winner) return { userId: winner, how: 'link' };
    throw new UpstreamLoginError('account_conflict', 'The account could not be created; please try again.');
  }
}
