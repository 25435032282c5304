/** Pending upstream redirects in the database: taken once (an atomic update wins), then read back. */
import type { Db } from './database.js';
import type { UpstreamPendingTable } from './schema.js';

export async function insertUpstreamPending(db: Db, row: UpstreamPendingTable): Promise<void> {
  await db.insertInto('upstream_pending').values(row).execute();
}

export async function takeUpstreamPending(db: Db, communityId: string, stateHash: string, now: number): Promise<UpstreamPendingTable | undefined> {
  const result = await db
    .updateTable('upstream_pending')
    .set({ consumed_at: now })
    .where('state_hash', '=', stateHash)
    .where('community_id', '=', communityId)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  return db.selectFrom('upstream_pending').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
}
