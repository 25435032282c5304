/** Registered clients of a community. */
import type { Db } from './database.js';
import type { ClientTable } from './schema.js';

export async function findClientRow(db: Db, communityId: string, clientId: string): Promise<ClientTable | undefined> {
  return db
    .selectFrom('clients')
    .selectAll()
    .where('community_id', '=', communityId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
}
