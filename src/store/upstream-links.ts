/** Links upstream account (upstream name + upstream `sub`) → local user, and the user lookups linking needs. */
import { sql } from 'kysely';
import type { Db } from './database.js';
import type { UpstreamLinkTable, UserTable } from './schema.js';

export async function findLinkedUserId(db: Db, communityId: string, upstreamName: string, upstreamSub: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('upstream_links')
    .select('user_id')
    .where('community_id', '=', communityId)
    .where('upstream_name', '=', upstreamName)
    .where('upstream_sub', '=', upstreamSub)
    .executeTakeFirst();
  return row?.user_id;
}

/** Whether the user already has a link to this upstream (to another upstream account). */
export async function userHasLink(db: Db, communityId: string, upstreamName: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('upstream_links')
    .select('upstream_sub')
    .where('community_id', '=', communityId)
    .where('upstream_name', '=', upstreamName)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertLink(db: Db, row: UpstreamLinkTable): Promise<void> {
  await db.insertInto('upstream_links').values(row).execute();
}

export async function insertUser(db: Db, row: UserTable): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

/**
 * Users of the community whose `email` claim is exactly `email`. Claims are JSON text written by JSON.stringify, so
 * a LIKE on the serialized pair narrows the rows on both databases; the exact comparison is done on the parsed claims.
 */
export async function findUsersByEmail(db: Db, communityId: string, email: string): Promise<UserTable[]> {
  const needle = `"email":${JSON.stringify(email)}`.replace(/[\\%_]/g, (c) => `\\${c}`);
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('community_id', '=', communityId)
    .where(sql<boolean>`claims like ${`%${needle}%`} escape '\\'`)
    .limit(20)
    .execute();
  return rows.filter((row) => (JSON.parse(row.claims) as { email?: unknown }).email === email);
}
