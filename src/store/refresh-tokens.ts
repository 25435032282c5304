/**
 * Refresh tokens, stored by hash, grouped in families by grant. Rotation consumes the presented token atomically;
 * only the caller whose update wins may issue the successor.
 */
import type { Db } from './database.js';
import type { RefreshTokenTable } from './schema.js';
import { preparedInsert, preparedQuery } from './prepared.js';

const REFRESH_TOKEN_COLUMNS = {
  token_hash: true,
  grant_id: true,
  community_id: true,
  client_id: true,
  user_id: true,
  scope: true,
  auth_time: true,
  acr: true,
  amr: true,
  sid: true,
  claims: true,
  created_at: true,
  expires_at: true,
  consumed_at: true,
  revoked_at: true,
} satisfies Record<keyof RefreshTokenTable, true>;

export const insertRefreshToken = preparedInsert<RefreshTokenTable>('refresh_tokens', REFRESH_TOKEN_COLUMNS);

const selectRefreshToken = preparedQuery(1, (db, tokenHash: string) => db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash));

export async function findRefreshToken(db: Db, tokenHash: string): Promise<RefreshTokenTable | undefined> {
  return (await selectRefreshToken(db, tokenHash))[0];
}

/** Marks the token consumed; true only for the one caller that wins the race. */
export async function consumeRefreshToken(db: Db, tokenHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('refresh_tokens')
    .set({ consumed_at: now })
    .where('token_hash', '=', tokenHash)
    .where('consumed_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
