/**
 * Second factors at rest: a user's TOTP secret (sealed) and recovery codes (hashed). Single use is enforced by the
 * database: a time step is accepted only by the update that raises `last_step`, a recovery code only by the update
 * that sets its `used_at`; of two concurrent attempts exactly one wins.
 */
import type { Db } from './database.js';
import type { TotpFactorTable } from './schema.js';

export async function findTotp(db: Db, userId: string): Promise<TotpFactorTable | undefined> {
  return db.selectFrom('totp_factors').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Stores a secret waiting for its first code (replacing an earlier unconfirmed one; never a confirmed one). */
export async function savePendingTotp(db: Db, row: TotpFactorTable): Promise<boolean> {
  await db.deleteFrom('totp_factors').where('user_id', '=', row.user_id).where('confirmed_at', 'is', null).execute();
  const result = await db.insertInto('totp_factors').values(row).onConflict((oc) => oc.column('user_id').doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Sets (or replaces) a confirmed secret: provisioning's `totp_secret`. */
export async function putConfirmedTotp(db: Db, row: TotpFactorTable): Promise<void> {
  await db
    .insertInto('totp_factors')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret_sealed: row.secret_sealed, confirmed_at: row.confirmed_at, last_step: row.last_step }))
    .execute();
}

/**
 * Accepts time step `step` for the user: true for the one caller that raises `last_step` to it. With `confirm`, the
 * pending enrolment becomes active in the same update.
 */
export async function useTotpStep(db: Db, userId: string, step: number, now: number, confirm = false): Promise<boolean> {
  let query = db
    .updateTable('totp_factors')
    .set(confirm ? { last_step: step, confirmed_at: now } : { last_step: step })
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]));
  query = confirm ? query.where('confirmed_at', 'is', null) : query.where('confirmed_at', 'is not', null);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteTotp(db: Db, userId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('totp_factors').where('user_id', '=', userId).execute();
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  });
}

/** Replaces all of the user's recovery codes. */
export async function replaceRecoveryCodes(db: Db, userId: string, hashes: readonly string[], now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    if (hashes.length > 0) await trx.insertInto('recovery_codes').values(hashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null, created_at: now }))).execute();
  });
}

/** Spends a recovery code: true for the one caller whose update marks it used. */
export async function useRecoveryCode(db: Db, userId: string, hash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function unusedRecoveryCodes(db: Db, userId: string): Promise<number> {
  const row = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirst();
  return Number(row?.n ?? 0);
}
