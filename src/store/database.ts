/**
 * Opens the database named by the configuration: SQLite (better-sqlite3, WAL) or PostgreSQL (pg pool).
 * Both go through the same Kysely instance type, so the queries in store/* are written once.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { groupCommitSqliteDialect } from './sqlite-group-commit.js';
import type { Logger } from 'pino';
import type { DatabaseConfig, DatabaseTuning } from '../config.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

// bigint columns hold epoch seconds: safe as JS numbers.
pg.types.setTypeParser(20, (value: string) => Number(value));

export interface OpenedDatabase {
  db: Db;
  kind: DatabaseConfig['kind'];
}

export function openDatabase(config: DatabaseConfig, tuning: DatabaseTuning, log?: Logger): OpenedDatabase {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: tuning.poolSize,
      connectionTimeoutMillis: tuning.connectTimeoutMs,
      // Server-side limits, so a stuck statement or an abandoned transaction cannot hold a connection for long.
      statement_timeout: tuning.statementTimeoutMs,
      idle_in_transaction_session_timeout: tuning.statementTimeoutMs * 2,
      // Client-side limit as well: a database that stops answering (not just refusing) still fails fast.
      query_timeout: tuning.statementTimeoutMs + 1000,
      keepAlive: true,
    });
    // A connection that breaks (the server stopped or restarted) must not crash the process: an idle one is reported
    // by the pool, one checked out (between the statements of a transaction) by the client itself. Its pending
    // statements fail (503), and the pool discards it on release and opens new ones once the server is back.
    pool.on('error', (err) => log?.warn({ err: err.message }, 'idle database connection lost'));
    pool.on('connect', (client) => client.on('error', (err) => log?.warn({ err: err.message }, 'database connection lost')));
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), kind: 'postgres' };
  }
  if (config.file !== ':memory:') fs.mkdirSync(path.dirname(config.file), { recursive: true });
  const sqlite = new BetterSqlite3(config.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${tuning.statementTimeoutMs}`);
  return { db: new Kysely<Database>({ dialect: groupCommitSqliteDialect(sqlite) }), kind: 'sqlite' };
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_FULL']);
// PostgreSQL SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57 operator intervention
// (admin shutdown, statement timeout 57014), 40001/40P01 serialization failure / deadlock (retryable).
const UNAVAILABLE_SQLSTATE = /^(08|53|57)|^40001$|^40P01$/;
const UNAVAILABLE_MESSAGE = /timeout exceeded when trying to connect|Connection terminated|connection timeout|Query read timeout|terminating connection|the database system is (starting up|shutting down)|Client has encountered a connection error|Stream isn't writeable|enableOfflineQueue|max retries per request|Command timed out|Connection is closed/i;

/**
 * True for errors that say the database (or Redis) is unreachable or overloaded right now (503, retry), not that a
 * query is wrong.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('SQLITE_IOERR') || (code.length === 5 && UNAVAILABLE_SQLSTATE.test(code)))) return true;
  if (UNAVAILABLE_MESSAGE.test(err.message)) return true;
  return err.cause !== undefined && err.cause !== err && isDatabaseUnavailable(err.cause);
}

/** A unique key or primary key already taken (PostgreSQL 23505, SQLite constraint), e.g. by a concurrent writer. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
