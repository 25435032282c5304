/**
 * Access-token records: every opaque token (by hash), and JWT access tokens of user grants (by jti) so that revoking
 * a grant makes them inactive at introspection and userinfo. A revoked client_credentials JWT is recorded here too.
 */
import type { Db } from './database.js';
import type { AccessTokenTable } from './schema.js';
import { preparedQuery } from './prepared.js';

export async function insertAccessToken(db: Db, row: AccessTokenTable): Promise<void> {
  await db.insertInto('access_tokens').values(row).execute();
}

const selectAccessToken = preparedQuery(1, (db, id: string) => db.selectFrom('access_tokens').selectAll().where('id', '=', id));

export async function findAccessToken(db: Db, id: string): Promise<AccessTokenTable | undefined> {
  return (await selectAccessToken(db, id))[0];
}

export async function revokeAccessToken(db: Db, row: AccessTokenTable, now: number): Promise<void> {
  await db
    .insertInto('access_tokens')
    .values({ ...row, revoked_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ revoked_at: now }))
    .execute();
}
