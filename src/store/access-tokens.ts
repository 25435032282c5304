/**
 * Access-token records: every opaque token (by hash), and JWT access tokens of user grants (by jti) so that revoking
 * a grant makes them inactive at introspection and userinfo. A revoked client_credentials JWT is recorded here too.
 */
import type { Db } from './database.js';
import type { AccessTokenTable } from './schema.js';
import { preparedInsert, preparedQuery } from './prepared.js';

const ACCESS_TOKEN_COLUMNS = {
  id: true,
  grant_id: true,
  community_id: true,
  client_id: true,
  user_id: true,
  scope: true,
  format: true,
  auth_time: true,
  claims: true,
  created_at: true,
  expires_at: true,
  revoked_at: true,
} satisfies Record<keyof AccessTokenTable, true>;

/** Compiled once: an opaque token's row is written on every issuance (the hot path of opaque client_credentials). */
export const insertAccessToken = preparedInsert<AccessTokenTable>('access_tokens', ACCESS_TOKEN_COLUMNS);

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
