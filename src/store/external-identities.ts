/** Entra identities (tenant `tid` + object `oid`) linked to local users, one user per identity and community. */
import type { Db } from './database.js';
import type { ExternalIdentityTable } from './schema.js';

export async function findExternalIdentityUser(db: Db, communityId: string, tid: string, oid: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('external_identities')
    .select('user_id')
    .where('community_id', '=', communityId)
    .where('tid', '=', tid)
    .where('oid', '=', oid)
    .executeTakeFirst();
  return row?.user_id;
}

export async function externalIdentitiesOfUser(db: Db, communityId: string, userId: string): Promise<ExternalIdentityTable[]> {
  return db.selectFrom('external_identities').selectAll().where('community_id', '=', communityId).where('user_id', '=', userId).execute();
}

/** Links the identity to the user; a unique violation when it is already linked (to anyone). */
export async function insertExternalIdentity(db: Db, row: ExternalIdentityTable): Promise<void> {
  await db.insertInto('external_identities').values(row).execute();
}

/** Points an existing link at another user (provisioning names the owner of an identity). */
export async function relinkExternalIdentity(db: Db, communityId: string, tid: string, oid: string, userId: string): Promise<void> {
  await db.updateTable('external_identities').set({ user_id: userId }).where('community_id', '=', communityId).where('tid', '=', tid).where('oid', '=', oid).execute();
}
