/** End-users of a community. */
import type { Db } from './database.js';
import type { UserTable } from './schema.js';

export async function findUserByUsername(db: Db, communityId: string, username: string): Promise<UserTable | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('community_id', '=', communityId)
    .where('username', '=', username)
    .executeTakeFirst();
}

export async function findUserById(db: Db, communityId: string, id: string): Promise<UserTable | undefined> {
  return db.selectFrom('users').selectAll().where('community_id', '=', communityId).where('id', '=', id).executeTakeFirst();
}
