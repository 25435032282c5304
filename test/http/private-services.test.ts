/**
 * The private PostgreSQL / Redis helpers: both servers start on their own ports, accept real clients, can be
 * stopped (clients then fail fast) and restarted on the same port with their data intact, and are destroyed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { isPortListening, startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '../support/private-services.js';

const TIMEOUT = 60_000;

async function pgQuery<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined); // a server going away must not crash the test process
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

function redisClient(url: string): Redis {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 3_000 });
  client.on('error', () => undefined);
  return client;
}

describe('private PostgreSQL and Redis servers', { timeout: TIMEOUT * 2 }, () => {
  let postgres: PrivatePostgres | undefined;
  let redis: PrivateRedis | undefined;

  before(async () => {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  }, { timeout: TIMEOUT });

  after(async () => {
    await Promise.all([postgres?.destroy(), redis?.destroy()]);
  }, { timeout: TIMEOUT });

  it('listen on their own loopback ports, away from the shared 5432 / 6379', { timeout: TIMEOUT }, () => {
    assert.ok(postgres && redis);
    assert.notEqual(postgres.port, 5432);
    assert.notEqual(redis.port, 6379);
    assert.notEqual(postgres.port, redis.port);
    assert.equal(postgres.url, `postgres://postgres@127.0.0.1:${postgres.port}/postgres`);
    assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
  });

  it('accept pg and ioredis clients', { timeout: TIMEOUT }, async () => {
    assert.ok(postgres && redis);
    assert.deepEqual(await pgQuery<{ one: number }>(postgres.url, 'select 1 as one'), [{ one: 1 }]);
    await pgQuery(postgres.url, 'create table outage_probe (id int primary key, note text not null)');
    await pgQuery(postgres.url, 'insert into outage_probe values ($1, $2)', [1, 'written before the outage']);

    const client = redisClient(redis.url);
    await client.connect();
    try {
      assert.equal(await client.set('greeting', 'hello'), 'OK');
      assert.equal(await client.get('greeting'), 'hello');
    } finally {
      client.disconnect();
    }
  });

  it('stop: the servers are gone and clients fail fast', { timeout: TIMEOUT }, async () => {
    assert.ok(postgres && redis);
    const t0 = performance.now();
    await Promise.all([postgres.stop(), redis.stop()]);
    const stopMs = performance.now() - t0;
    assert.equal(postgres.running, false);
    assert.equal(redis.running, false);
    assert.equal(await isPortListening(postgres.port), false);
    assert.equal(await isPortListening(redis.port), false);

    let started = performance.now();
    await assert.rejects(pgQuery(postgres.url, 'select 1'), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
    const pgFailMs = performance.now() - started;
    assert.ok(pgFailMs < 1_000, `pg connect failed after ${pgFailMs} ms`);

    const client = redisClient(redis.url);
    started = performance.now();
    await assert.rejects(client.connect(), /ECONNREFUSED|Connection is closed/);
    const redisFailMs = performance.now() - started;
    client.disconnect();
    assert.ok(redisFailMs < 1_000, `redis connect failed after ${redisFailMs} ms`);
    console.log(`stop: ${stopMs.toFixed(0)} ms; pg fails in ${pgFailMs.toFixed(0)} ms, redis in ${redisFailMs.toFixed(0)} ms`);

    // stop() is idempotent
    await Promise.all([postgres.stop(), redis.stop()]);
  });

  it('start again on the same port, with PostgreSQL data intact', { timeout: TIMEOUT }, async () => {
    assert.ok(postgres && redis);
    const ports = [postgres.port, redis.port];
    const t0 = performance.now();
    await Promise.all([postgres.start(), redis.start()]);
    console.log(`restart: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual([postgres.port, redis.port], ports);
    assert.equal(postgres.running, true);
    assert.equal(redis.running, true);

    assert.deepEqual(await pgQuery(postgres.url, 'select id, note from outage_probe'), [{ id: 1, note: 'written before the outage' }]);

    const client = redisClient(redis.url);
    await client.connect();
    try {
      // Redis runs without persistence: a restart is an empty cache.
      assert.equal(await client.get('greeting'), null);
      assert.equal(await client.set('greeting', 'again'), 'OK');
      assert.equal(await client.get('greeting'), 'again');
    } finally {
      client.disconnect();
    }
  });

  it('destroy stops the servers and removes their directories', { timeout: TIMEOUT }, async () => {
    assert.ok(postgres && redis);
    const dirs = [postgres.dir, redis.dir];
    await Promise.all([postgres.destroy(), redis.destroy()]);
    for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} removed`);
    assert.equal(await isPortListening(postgres.port), false);
    assert.equal(await isPortListening(redis.port), false);
    await Promise.all([postgres.destroy(), redis.destroy()]); // idempotent
    await assert.rejects(postgres.start(), /after destroy/);
  });
});
