/** `jti` values of client assertions seen, to refuse replays (RFC 7523 §3, OIDC Core §9). */
import type { Db } from './database.js';

/** Records the jti; false when it was already used. */
export async function recordAssertionJti(db: Db, communityId: string, clientId: string, jti: string, expiresAt: number): Promise<boolean> {
  const result = await db
    .insertInto('assertion_jtis')
    .values({ community_id: communityId, client_id: clientId, jti, expires_at: expiresAt })
    .onConflict((oc) => oc.columns(['community_id', 'client_id', 'jti']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}
