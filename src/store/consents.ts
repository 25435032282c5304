/** Scopes a user has granted to a client. */
import type { Db } from './database.js';

export async function findConsentedScopes(db: Db, communityId: string, userId: string, clientId: string): Promise<string[]> {
  const row = await db
    .selectFrom('consents')
    .select('scope')
    .where('community_id', '=', communityId)
    .where('user_id', '=', userId)
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return row ? row.scope.split(' ').filter(Boolean) : [];
}

export async function saveConsent(db: Db, communityId: string, userId: string, clientId: string, scopes: string[], now: number): Promise<void> {
  const scope = [...new Set(scopes)].sort().join(' ');
  await db
    .insertInto('consents')
    .values({ community_id: communityId, user_id: userId, client_id: clientId, scope, updated_at: now })
    .onConflict((oc) => oc.columns(['community_id', 'user_id', 'client_id']).doUpdateSet({ scope, updated_at: now }))
    .execute();
}
