/** WebAuthn challenges in the database: one per binding key (a new ceremony replaces the old), taken once. */
import type { Db } from './database.js';
import type { WebauthnChallengeTable } from './schema.js';

export async function putWebauthnChallenge(db: Db, row: WebauthnChallengeTable): Promise<void> {
  await db
    .insertInto('webauthn_challenges')
    .values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet({ community_id: row.community_id, user_id: row.user_id, challenge: row.challenge, expires_at: row.expires_at }))
    .execute();
}

/** Deletes and returns the live challenge under `key`: exactly one caller gets it. */
export async function takeWebauthnChallenge(db: Db, communityId: string, key: string, now: number): Promise<WebauthnChallengeTable | undefined> {
  const row = await db.deleteFrom('webauthn_challenges').where('key', '=', key).returningAll().executeTakeFirst();
  return row && row.community_id === communityId && row.expires_at > now ? row : undefined;
}
