/** Authorization codes, stored by hash; redemption is a single atomic update (RFC 6749 §4.1.2: single use). */
import type { Db } from './database.js';
import type { AuthorizationCodeTable } from './schema.js';

export async function insertAuthorizationCode(db: Db, row: AuthorizationCodeTable): Promise<void> {
  await db.insertInto('authorization_codes').values(row).execute();
}

export async function findAuthorizationCode(db: Db, codeHash: string): Promise<AuthorizationCodeTable | undefined> {
  return db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
}

/** Marks the code used; true only for the one caller that wins. */
export async function consumeAuthorizationCode(db: Db, codeHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('authorization_codes')
    .set({ consumed_at: now })
    .where('code_hash', '=', codeHash)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
