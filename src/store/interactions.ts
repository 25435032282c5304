/** Interaction records: an authorization request waiting for login or consent. */
import type { Db } from './database.js';
import type { InteractionTable } from './schema.js';

export async function insertInteraction(db: Db, row: InteractionTable): Promise<void> {
  await db.insertInto('interactions').values(row).execute();
}

export async function findLiveInteraction(db: Db, communityId: string, uid: string, now: number): Promise<InteractionTable | undefined> {
  return db
    .selectFrom('interactions')
    .selectAll()
    .where('uid', '=', uid)
    .where('community_id', '=', communityId)
    .where('expires_at', '>', now)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
}

export async function recordInteractionLogin(db: Db, uid: string, userId: string, authTime: number, amr: string[], sid: string, acr: string | null = null): Promise<void> {
  await db
    .updateTable('interactions')
    .set({ user_id: userId, auth_time: authTime, amr: JSON.stringify(amr), sid, acr })
    .where('uid', '=', uid)
    .where('consumed_at', 'is', null)
    .execute();
}

/** Marks the interaction finished; true for the one caller that wins. */
export async function consumeInteraction(db: Db, uid: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('interactions')
    .set({ consumed_at: now })
    .where('uid', '=', uid)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
