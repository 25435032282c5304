import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { groupCommitSqliteDialect } from '../../src/store/sqlite-group-commit.js';
import { preparedInsert, preparedQuery } from '../../src/store/prepared.js';
import type { Db } from '../../src/store/database.js';

interface Schema {
  t: { id: string; kind: string; n: number };
}

describe('prepared queries (compiled once, run with new parameters)', () => {
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.exec("create table t (id text primary key, kind text not null, n integer not null)");
  const db = new Kysely<Schema>({ dialect: groupCommitSqliteDialect(sqlite) });
  // The store's helpers are typed for Tessera's schema; the mechanism is schema-agnostic.
  const asDb = db as unknown as Db;
  const byKindAbove = preparedQuery(2, (d, kind: string, n: number) =>
    (d as unknown as Kysely<Schema>).selectFrom('t').selectAll().where('kind', '=', kind).where('n', '>', n).where('id', '!=', 'constant').orderBy('id'),
  );

  it('fills each placeholder in its place, keeps constants, and answers like the built query every time', async () => {
    await db.insertInto('t').values([
      { id: 'a', kind: 'x', n: 1 },
      { id: 'b', kind: 'x', n: 5 },
      { id: 'c', kind: 'y', n: 9 },
      { id: 'constant', kind: 'x', n: 9 },
    ]).execute();
    for (const [kind, n] of [['x', 0], ['x', 2], ['y', 0], ['y', 9], ['z', 0]] as const) {
      const built = await db.selectFrom('t').selectAll().where('kind', '=', kind).where('n', '>', n).where('id', '!=', 'constant').orderBy('id').execute();
      assert.deepEqual(await byKindAbove(asDb, kind, n), built, `kind=${kind} n=${n}`);
    }
  });

  it('serves a transaction with the same compiled statement', async () => {
    const rows = await db.transaction().execute((trx) => byKindAbove(trx as unknown as Db, 'x', 0));
    assert.deepEqual(rows.map((r) => r.id), ['a', 'b']);
  });

  it('inserts every column of a row with one compiled statement, nulls included, inside and outside transactions', async () => {
    const insert = preparedInsert<{ id: string; kind: string | null; n: number }>('u', { id: true, kind: true, n: true });
    sqlite.exec('create table u (id text primary key, kind text, n integer not null)');
    await insert(asDb, { id: 'p', kind: 'x', n: 1 });
    await insert(asDb, { n: 2, kind: null, id: 'q' });
    await db.transaction().execute((trx) => insert(trx as unknown as Db, { id: 'r', kind: 'z', n: 3 }));
    assert.deepEqual(sqlite.prepare('select id, kind, n from u order by id').all(), [
      { id: 'p', kind: 'x', n: 1 },
      { id: 'q', kind: null, n: 2 },
      { id: 'r', kind: 'z', n: 3 },
    ]);
    await assert.rejects(insert(asDb, { id: 'p', kind: 'again', n: 4 }), /UNIQUE/);
  });
});
