/** SSO sessions: one per browser and community, found by the hash of the cookie value. */
import type { Db } from './database.js';
import type { SessionTable } from './schema.js';

export async function insertSession(db: Db, row: SessionTable): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

export async function findLiveSession(db: Db, communityId: string, cookieHash: string, now: number): Promise<SessionTable | undefined> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('cookie_hash', '=', cookieHash)
    .where('community_id', '=', communityId)
    .where('expires_at', '>', now)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
}

export async function endSession(db: Db, communityId: string, sid: string, now: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('sid', '=', sid)
    .where('community_id', '=', communityId)
    .where('ended_at', 'is', null)
    .execute();
}
