/** Pushed authorization requests (RFC 9126) in the database: stored once, taken once (a delete that returns the row). */
import type { Db } from './database.js';
import type { PushedRequestTable } from './schema.js';

export async function insertPushedRequest(db: Db, row: PushedRequestTable): Promise<void> {
  await db.insertInto('pushed_requests').values(row).execute();
}

/** The live request behind `requestUri`, removed as it is read: exactly one caller gets it. */
export async function takePushedRequest(db: Db, communityId: string, requestUri: string, now: number): Promise<PushedRequestTable | undefined> {
  const row = await db.deleteFrom('pushed_requests').where('request_uri', '=', requestUri).where('community_id', '=', communityId).returningAll().executeTakeFirst();
  return row && row.expires_at > now ? row : undefined;
}
