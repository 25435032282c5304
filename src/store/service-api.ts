/** Rows of the service API: licenses (by key hash), service keys (by key id) and the service's own ECDH key pair. */
import type { Db } from './database.js';
import type { LicenseTable, ServiceKeyPairTable, ServiceKeyTable } from './schema.js';

export async function findLicenseByHash(db: Db, keyHash: string): Promise<LicenseTable | undefined> {
  return db.selectFrom('licenses').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
}

export async function insertLicense(db: Db, row: LicenseTable): Promise<void> {
  await db.insertInto('licenses').values(row).execute();
}

export async function updateLicense(db: Db, row: LicenseTable): Promise<void> {
  const { key_hash, created_at: _created, ...rest } = row;
  await db.updateTable('licenses').set(rest).where('key_hash', '=', key_hash).execute();
}

export async function listServiceKeys(db: Db): Promise<ServiceKeyTable[]> {
  return db.selectFrom('service_keys').selectAll().orderBy('tag').execute();
}

export async function findServiceKey(db: Db, keyId: string): Promise<ServiceKeyTable | undefined> {
  return db.selectFrom('service_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
}

export async function findServiceKeyByTag(db: Db, tag: string): Promise<ServiceKeyTable | undefined> {
  return db.selectFrom('service_keys').selectAll().where('tag', '=', tag).executeTakeFirst();
}

/**
 * Replaces the key `oldKeyId` by `replacement` (same tag and type) in one transaction. Only the caller whose delete
 * removed the row inserts; a concurrent reset of the same key id finds nothing and gets false, so exactly one new
 * key exists afterwards.
 */
export async function replaceServiceKey(db: Db, oldKeyId: string, replacement: (old: ServiceKeyTable) => ServiceKeyTable): Promise<ServiceKeyTable | undefined> {
  return db.transaction().execute(async (trx) => {
    const old = await trx.selectFrom('service_keys').selectAll().where('key_id', '=', oldKeyId).executeTakeFirst();
    if (!old) return undefined;
    const deleted = await trx.deleteFrom('service_keys').where('key_id', '=', oldKeyId).executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1) return undefined;
    const row = replacement(old);
    await trx.insertInto('service_keys').values(row).execute();
    return row;
  });
}

export async function findServiceKeyPair(db: Db, curve: string): Promise<ServiceKeyPairTable | undefined> {
  return db.selectFrom('service_key_pairs').selectAll().where('curve', '=', curve).executeTakeFirst();
}

/** Inserts the key pair unless a node already created one for the curve (the first writer wins). */
export async function insertServiceKeyPairIfAbsent(db: Db, row: ServiceKeyPairTable): Promise<void> {
  await db.insertInto('service_key_pairs').values(row).onConflict((oc) => oc.column('curve').doNothing()).execute();
}
