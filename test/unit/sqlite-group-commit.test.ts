import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { groupCommitSqliteDialect } from '../../src/store/sqlite-group-commit.js';

interface Schema {
  t: { id: string; n: number };
  poison: { id: string };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SQLite group commit driver', () => {
  let dir: string;
  let file: string;
  let db: Kysely<Schema>;
  let observer: BetterSqlite3.Database;
  const committedIds = () => (observer.prepare('select id from t order by id').all() as Array<{ id: string }>).map((r) => r.id);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-group-'));
    file = path.join(dir, 'g.db');
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec(`create table t (id text primary key, n integer not null);
                 create table poison (id text);
                 create trigger poison_rollback before insert on poison begin select raise(rollback, 'poisoned'); end;`);
    db = new Kysely<Schema>({ dialect: groupCommitSqliteDialect(sqlite) });
    // A second connection sees only what is committed.
    observer = new BetterSqlite3(file, { readonly: true });
  });
  afterEach(async () => {
    observer.close();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers a write only once it is committed, and commits the writes of one turn together', async () => {
    const seenAtResolution: string[][] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((id) =>
        db
          .insertInto('t')
          .values({ id, n: 1 })
          .execute()
          .then(() => seenAtResolution.push(committedIds())),
      ),
    );
    // Each write saw all three committed when it was answered: one commit for the turn.
    assert.deepEqual(seenAtResolution, [['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']]);
  });

  it('a failing statement fails alone; the rest of its group commits', async () => {
    const results = await Promise.allSettled([
      db.insertInto('t').values({ id: 'a', n: 1 }).execute(),
      db.insertInto('t').values({ id: 'a', n: 2 }).execute(),
      db.insertInto('t').values({ id: 'b', n: 1 }).execute(),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(committedIds(), ['a', 'b']);
  });

  it('a rolled-back transaction undoes only its own writes', async () => {
    const plain = db.insertInto('t').values({ id: 'plain', n: 1 }).execute();
    const failed = db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 'tx', n: 1 }).execute();
      throw new Error('abandon');
    });
    await assert.rejects(failed, /abandon/);
    await plain;
    assert.deepEqual(committedIds(), ['plain']);
  });

  it('a transaction spanning several turns is never committed half-way; others wait and commit after it', async () => {
    let releaseTx!: () => void;
    const gate = new Promise<void>((resolve) => (releaseTx = resolve));
    const tx = db.transaction().execute(async (trx) => {
      await trx.insertInto('t').values({ id: 'tx1', n: 1 }).execute();
      await gate;
      await trx.insertInto('t').values({ id: 'tx2', n: 1 }).execute();
    });
    await nextTurn();
    await nextTurn();
    const other = db.insertInto('t').values({ id: 'other', n: 1 }).execute();
    await nextTurn();
    assert.deepEqual(committedIds(), [], 'nothing of the open transaction is committed');
    releaseTx();
    await Promise.all([tx, other]);
    assert.deepEqual(committedIds(), ['other', 'tx1', 'tx2']);
  });

  it('when SQLite rolls the whole group back, every statement of the group fails, none is answered as done', async () => {
    const results = await Promise.allSettled([
      db.insertInto('t').values({ id: 'a', n: 1 }).execute(),
      db.selectFrom('t').selectAll().execute(),
      db.insertInto('poison').values({ id: 'x' }).execute(),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.deepEqual(committedIds(), []);
    // The next turn starts a fresh group.
    await db.insertInto('t').values({ id: 'b', n: 1 }).execute();
    assert.deepEqual(committedIds(), ['b']);
  });

  it('reads outside a group are answered at once and see committed data', async () => {
    await db.insertInto('t').values({ id: 'a', n: 7 }).execute();
    const row = await db.selectFrom('t').selectAll().where('id', '=', 'a').executeTakeFirst();
    assert.deepEqual(row, { id: 'a', n: 7 });
  });
});
