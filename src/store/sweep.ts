/**
 * Deletes rows that expired a while ago, a bounded batch per table per run. On PostgreSQL the rows to delete are
 * claimed with FOR UPDATE SKIP LOCKED, so sweepers on several nodes take different rows instead of waiting on each
 * other; SQLite has a single writer.
 */
import { sql } from 'kysely';
import type { Db } from './database.js';

interface Swept {
  table: string;
  key: string[];
  /** Seconds a row is kept after it expired. */
  grace: number;
}

// Codes are kept a day after they expire so a late replay is still recognised as one (and revokes its grant);
// the rest go an hour after expiry (a consumed refresh token past its expiry is refused as expired anyway).
const SWEPT: Swept[] = [
  { table: 'interactions', key: ['uid'], grace: 3600 },
  { table: 'sessions', key: ['cookie_hash'], grace: 3600 },
  { table: 'authorization_codes', key: ['code_hash'], grace: 86400 },
  { table: 'refresh_tokens', key: ['token_hash'], grace: 3600 },
  { table: 'access_tokens', key: ['id'], grace: 3600 },
  { table: 'assertion_jtis', key: ['community_id', 'client_id', 'jti'], grace: 60 },
  { table: 'session_clients', key: ['community_id', 'sid', 'client_id'], grace: 3600 },
  { table: 'pushed_requests', key: ['request_uri'], grace: 60 },
  { table: 'failure_counters', key: ['key'], grace: 60 },
  { table: 'upstream_pending', key: ['state_hash'], grace: 3600 },
  { table: 'webauthn_challenges', key: ['key'], grace: 60 },
];

export async function sweepExpired(db: Db, kind: 'sqlite' | 'postgres', now: number, batch: number): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const { table, key, grace } of SWEPT) {
    const columns = sql.join(key.map((k) => sql.ref(k)));
    const claim = kind === 'postgres' ? sql` for update skip locked` : sql``;
    const result = await sql`delete from ${sql.table(table)} where (${columns}) in (select ${columns} from ${sql.table(table)} where expires_at < ${now - grace} limit ${batch}${claim})`.execute(db);
    deleted[table] = Number(result.numAffectedRows ?? 0n);
  }
  return deleted;
}
