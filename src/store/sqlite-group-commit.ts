/**
 * A Kysely driver for better-sqlite3 with group commit.
 *
 * Every commit of SQLite's write-ahead log is a few page writes (system calls); one per token request would bound the
 * token endpoint. Here the writes of one event-loop turn share one transaction: the first write opens it (BEGIN), an
 * explicit Kysely transaction becomes a SAVEPOINT inside it, and it is committed on the next turn. Nothing is answered
 * early: every statement that ran while the group was open (a write, a read that may have seen the group's writes,
 * a whole transaction) resolves only after the group's COMMIT succeeded, and fails with it if it did not. A failing
 * statement or a rolled-back transaction undoes only its own work (statement-level abort, ROLLBACK TO its
 * savepoint); the rest of the group commits.
 *
 * With one request in flight a group is that one request's writes, committed on the next turn.
 */
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';

interface Group {
  committed: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/** A FIFO lock: held for a whole explicit transaction, and for the synchronous run of a single statement. */
class Lock {
  private held = false;
  private readonly waiting: Array<() => void> = [];

  async acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

/** One acquisition of the single SQLite connection (Kysely hands it back to releaseConnection). */
class Acquisition implements DatabaseConnection {
  released = false;
  inTransaction = false;

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(this, query);
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by this driver');
  }
}

export class GroupCommitSqliteDriver implements Driver {
  private readonly lock = new Lock();
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private group: Group | null = null;
  private transactionOpen = false;
  private commitWhenIdle = false;

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return new Acquisition(this);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    this.releaseLock(connection as Acquisition);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    this.openGroup();
    this.statement('savepoint tessera_tx').run();
    (connection as Acquisition).inTransaction = true;
    this.transactionOpen = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const acquisition = connection as Acquisition;
    this.statement('release tessera_tx').run();
    const committed = this.endTransaction(acquisition);
    await committed;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const acquisition = connection as Acquisition;
    if (this.sqlite.inTransaction) {
      this.statement('rollback to tessera_tx').run();
      this.statement('release tessera_tx').run();
    }
    void this.endTransaction(acquisition).catch(() => undefined);
  }

  async destroy(): Promise<void> {
    if (this.group) this.commitGroup();
    this.sqlite.close();
  }

  /** Runs a statement now; its result is delivered once the group it ran in (if any) has committed. */
  execute<R>(acquisition: Acquisition, query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.statement(query.sql);
    if (acquisition.inTransaction) return Promise.resolve(this.run<R>(statement, query.parameters));
    let result: QueryResult<R>;
    try {
      if (!statement.readonly) this.openGroup();
      result = this.run<R>(statement, query.parameters);
    } catch (err) {
      this.releaseLock(acquisition);
      return Promise.reject(err);
    }
    // The statement has run: let the next one in now rather than after the commit.
    this.releaseLock(acquisition);
    return this.group ? this.group.committed.then(() => result) : Promise.resolve(result);
  }

  private run<R>(statement: BetterSqlite3.Statement, parameters: readonly unknown[]): QueryResult<R> {
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  /** Prepared once per SQL text (the set of distinct queries is small and fixed); DDL is not kept. */
  private statement(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.sqlite.prepare(sql);
      if (this.statements.size < 500 && /^\s*(select|insert|update|delete|savepoint|release|rollback|begin|commit)\b/i.test(sql)) this.statements.set(sql, statement);
    }
    return statement;
  }

  private releaseLock(acquisition: Acquisition): void {
    if (acquisition.released) return;
    acquisition.released = true;
    this.lock.release();
  }

  private endTransaction(acquisition: Acquisition): Promise<void> {
    acquisition.inTransaction = false;
    this.transactionOpen = false;
    const committed = this.group?.committed ?? Promise.resolve();
    if (this.commitWhenIdle) this.commitGroup();
    this.releaseLock(acquisition);
    return committed;
  }

  private openGroup(): void {
    if (this.group) return;
    this.statement('begin').run();
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    committed.catch(() => undefined);
    this.group = { committed, resolve, reject };
    setImmediate(() => {
      // A transaction spanning turns is never cut in half: commit when it ends.
      if (this.transactionOpen) this.commitWhenIdle = true;
      else this.commitGroup();
    });
  }

  private commitGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = null;
    this.commitWhenIdle = false;
    try {
      if (!this.sqlite.inTransaction) throw new Error('SQLite rolled back the group transaction');
      this.statement('commit').run();
      group.resolve();
    } catch (err) {
      if (this.sqlite.inTransaction) this.sqlite.prepare('rollback').run();
      group.reject(err);
    }
  }
}

export function groupCommitSqliteDialect(sqlite: BetterSqlite3.Database): Dialect {
  return {
    createDriver: () => new GroupCommitSqliteDriver(sqlite),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
}
