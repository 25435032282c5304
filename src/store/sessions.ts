/** SSO sessions: one per browser and community, found by the hash of the cookie value. */
import type { Db } from './database.js';
import type { SessionClientTable, SessionTable } from './schema.js';

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

export async function updateSessionAuthentication(db: Db, communityId: string, sid: string, amr: string[], acr: string | null): Promise<void> {
  await db.updateTable('sessions').set({ amr: JSON.stringify(amr), acr }).where('sid', '=', sid).where('community_id', '=', communityId).where('ended_at', 'is', null).execute();
}

/** The user's live sessions in the community, newest first. */
export async function liveUserSessions(db: Db, communityId: string, userId: string, now: number): Promise<SessionTable[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('community_id', '=', communityId)
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .where('ended_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(100)
    .execute();
}

/** Remembers that session `sid` signed in to a client (once per client). */
export async function recordSessionClient(db: Db, row: SessionClientTable): Promise<void> {
  await db
    .insertInto('session_clients')
    .values(row)
    .onConflict((oc) => oc.columns(['community_id', 'sid', 'client_id']).doUpdateSet({ expires_at: row.expires_at }))
    .execute();
}

export async function sessionClients(db: Db, communityId: string, sid: string): Promise<string[]> {
  const rows = await db.selectFrom('session_clients').select('client_id').where('community_id', '=', communityId).where('sid', '=', sid).orderBy('created_at').execute();
  return rows.map((r) => r.client_id);
}
