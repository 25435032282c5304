/** Communities and their signing keys. */
import type { Db } from './database.js';
import type { CommunityTable } from './schema.js';
import type { StoredSigningKey } from '../keys/signing-keys.js';

export async function findCommunity(db: Db, name: string): Promise<CommunityTable | undefined> {
  return db.selectFrom('communities').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listCommunityNames(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('communities').select('name').orderBy('name').execute();
  return rows.map((r) => r.name);
}

/** Every key of a community, whatever its state (keys/key-rotation.ts decides which are used). */
export async function listSigningKeys(db: Db, communityId: string): Promise<StoredSigningKey[]> {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'alg', 'public_jwk', 'private_key', 'status', 'created_at', 'activates_at', 'retires_at'])
    .where('community_id', '=', communityId)
    .execute();
}

/** name → revision of every community: what the change watcher compares its cache with. */
export async function communityRevisions(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('communities').select(['name', 'revision']).execute();
  return new Map(rows.map((r) => [r.name, Number(r.revision)]));
}

/** Marks a community changed (inside the transaction that changes it). */
export async function bumpRevision(db: Db, communityId: string, now: number): Promise<void> {
  await db
    .updateTable('communities')
    .set((eb) => ({ revision: eb('revision', '+', 1), updated_at: now }))
    .where('id', '=', communityId)
    .execute();
}

/** Keys (of every community) whose public JWK has no certificate yet. */
export async function signingKeysWithoutCertificate(db: Db): Promise<(StoredSigningKey & { community_id: string })[]> {
  const rows = await db.selectFrom('signing_keys').selectAll().where('public_jwk', 'not like', '%"x5c"%').execute();
  return rows as (StoredSigningKey & { community_id: string })[];
}

/** Replaces a key's public JWK if nobody else did first (compare and set); true when this call changed it. */
export async function replacePublicJwk(db: Db, kid: string, previous: string, next: string): Promise<boolean> {
  const result = await db.updateTable('signing_keys').set({ public_jwk: next }).where('kid', '=', kid).where('public_jwk', '=', previous).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
