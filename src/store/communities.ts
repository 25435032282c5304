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

export async function listSigningKeys(db: Db, communityId: string): Promise<StoredSigningKey[]> {
  return db
    .selectFrom('signing_keys')
    .select(['kid', 'alg', 'public_jwk', 'private_key', 'status', 'created_at'])
    .where('community_id', '=', communityId)
    .where('status', 'in', ['active', 'retiring'])
    .execute();
}
