/**
 * A grant is everything issued from one authorization: its code, its refresh-token family and the access tokens
 * issued from them, all carrying the same grant_id. Revoking it revokes all of them in one transaction.
 */
import type { Db } from './database.js';

export async function revokeGrant(db: Db, grantId: string, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('refresh_tokens').set({ revoked_at: now }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).execute();
    await trx.updateTable('access_tokens').set({ revoked_at: now }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).execute();
  });
}
