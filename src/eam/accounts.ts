/**
 * Which local user an Entra identity is (Microsoft recommends `oid` + `tid`):
 * - an existing link (external_identities: provisioning's `external_ids`, or an earlier first link) always wins;
 * - otherwise, only where the community allows it (`"eam": {"link_by": "username"}`), the local user whose username
 *   equals the hint's `preferred_username`, provided that user has no link to another identity of the same tenant;
 * - otherwise nobody: the request goes back to Entra with access_denied.
 * A first link is written only after the user completed the second factor (finish.ts), never on the strength of the
 * hint alone; a concurrent first link of the same identity keeps the winner's.
 */
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import { findUserByUsername } from '../store/users.js';
import { isUniqueViolation } from '../store/database.js';
import { externalIdentitiesOfUser, findExternalIdentityUser, insertExternalIdentity } from '../store/external-identities.js';
import { serviceSettingsOf } from '../service/community-settings.js';
import type { EntraHint } from './entra-hint.js';
import type { EamContext } from './context.js';

export interface MatchedAccount {
  userId: string;
  matchedBy: EamContext['matched_by'];
}

export async function matchAccount(provider: Provider, community: Community, hint: EntraHint): Promise<MatchedAccount | undefined> {
  const tid = hint.tid.toLowerCase();
  const linked = await findExternalIdentityUser(provider.db, community.id, tid, hint.oid.toLowerCase());
  if (linked) return { userId: linked, matchedBy: 'link' };
  if ((await serviceSettingsOf(provider, community)).eamLinkBy !== 'username' || !hint.preferred_username) return undefined;
  const user = await findUserByUsername(provider.db, community.id, hint.preferred_username);
  if (!user) return undefined;
  const links = await externalIdentitiesOfUser(provider.db, community.id, user.id);
  if (links.some((l) => l.tid === tid)) return undefined;
  return { userId: user.id, matchedBy: 'username' };
}

/** Writes the first link of a username match; false when the identity got linked to someone else meanwhile. */
export async function linkOnFirstUse(provider: Provider, community: Community, context: EamContext): Promise<boolean> {
  if (context.matched_by !== 'username') return true;
  const tid = context.tid.toLowerCase();
  const oid = context.oid.toLowerCase();
  try {
    await insertExternalIdentity(provider.db, { community_id: community.id, tid, oid, user_id: context.user_id, created_at: provider.clock.now() });
    provider.log.info({ community: community.name, tid }, 'eam: Entra identity linked by preferred_username');
    return true;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return (await findExternalIdentityUser(provider.db, community.id, tid, oid)) === context.user_id;
  }
}
