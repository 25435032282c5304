/** Passkeys (WebAuthn credentials) of users: listed, added, renamed, removed only by their owner, counters advanced. */
import type { Db } from './database.js';
import type { WebauthnCredentialTable } from './schema.js';

export async function userCredentials(db: Db, communityId: string, userId: string): Promise<WebauthnCredentialTable[]> {
  return db.selectFrom('webauthn_credentials').selectAll().where('community_id', '=', communityId).where('user_id', '=', userId).orderBy('created_at').orderBy('id').limit(100).execute();
}

/** Whether the user has any passkey (the MFA policy asks this on every sign-in; no rows are loaded). */
export async function hasUserCredential(db: Db, communityId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('webauthn_credentials').select('id').where('community_id', '=', communityId).where('user_id', '=', userId).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function findUserCredential(db: Db, communityId: string, userId: string, id: string): Promise<WebauthnCredentialTable | undefined> {
  return db.selectFrom('webauthn_credentials').selectAll().where('id', '=', id).where('community_id', '=', communityId).where('user_id', '=', userId).executeTakeFirst();
}

/** Whether a credential id is registered anywhere (credential ids are unique). */
export async function credentialExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom('webauthn_credentials').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function insertCredential(db: Db, row: WebauthnCredentialTable): Promise<void> {
  await db.insertInto('webauthn_credentials').values(row).execute();
}

/** Renames one of the user's credentials; false when the user has no such credential. */
export async function renameCredential(db: Db, communityId: string, userId: string, id: string, name: string): Promise<boolean> {
  const result = await db.updateTable('webauthn_credentials').set({ name }).where('id', '=', id).where('community_id', '=', communityId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Removes one of the user's credentials; false when the user has no such credential. */
export async function removeCredential(db: Db, communityId: string, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webauthn_credentials').where('id', '=', id).where('community_id', '=', communityId).where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Records a successful assertion: the new counter (compare-and-set against the counter the assertion was verified
 * with, so two concurrent uses of a cloned authenticator cannot both advance it), backup state and last use.
 */
export async function recordCredentialUse(db: Db, id: string, previousCounter: number, counter: number, backedUp: boolean, now: number): Promise<boolean> {
  const result = await db
    .updateTable('webauthn_credentials')
    .set({ counter, backed_up: backedUp ? 1 : 0, last_used_at: now })
    .where('id', '=', id)
    .where('counter', '=', previousCounter)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
