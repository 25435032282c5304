/** Failure counters in the database: a fixed window per key that starts with its first failure. */
import { sql } from 'kysely';
import type { Db } from './database.js';

export interface FailureCount {
  count: number;
  /** When the window ends (seconds); 0 when there is no live window. */
  expiresAt: number;
}

/** Counts one failure under `key` (a new window when the last one ended) and returns the live count. */
export async function countFailure(db: Db, key: string, windowSeconds: number, now: number): Promise<FailureCount> {
  const row = await db
    .insertInto('failure_counters')
    .values({ key, count: 1, expires_at: now + windowSeconds })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when failure_counters.expires_at <= ${now} then 1 else failure_counters.count + 1 end`,
        expires_at: sql<number>`case when failure_counters.expires_at <= ${now} then excluded.expires_at else failure_counters.expires_at end`,
      }),
    )
    .returning(['count', 'expires_at'])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), expiresAt: Number(row.expires_at) };
}

export async function failureCounts(db: Db, keys: readonly string[], now: number): Promise<FailureCount[]> {
  if (keys.length === 0) return [];
  const rows = await db.selectFrom('failure_counters').select(['key', 'count', 'expires_at']).where('key', 'in', [...keys]).where('expires_at', '>', now).execute();
  const byKey = new Map(rows.map((r) => [r.key, { count: Number(r.count), expiresAt: Number(r.expires_at) }]));
  return keys.map((k) => byKey.get(k) ?? { count: 0, expiresAt: 0 });
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('failure_counters').where('key', '=', key).execute();
}
