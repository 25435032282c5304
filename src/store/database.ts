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
import type { DatabaseConfig } from '../config.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

// bigint columns hold epoch seconds: safe as JS numbers.
pg.types.setTypeParser(20, (value: string) => Number(value));

export interface OpenedDatabase {
  db: Db;
  kind: DatabaseConfig['kind'];
}

export function openDatabase(config: DatabaseConfig): OpenedDatabase {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: 10 });
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), kind: 'postgres' };
  }
  if (config.file !== ':memory:') fs.mkdirSync(path.dirname(config.file), { recursive: true });
  const sqlite = new BetterSqlite3(config.file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return { db: new Kysely<Database>({ dialect: groupCommitSqliteDialect(sqlite) }), kind: 'sqlite' };
}
