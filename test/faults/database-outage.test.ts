/**
 * PostgreSQL stopped under load: requests that need it fail fast with 503 and a JSON error, the node does not crash,
 * readiness says why, and when the database returns the node recovers without a restart and nothing committed
 * before the outage is lost. Runs against a private PostgreSQL this test starts and stops (never the shared one).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-services.js';
import { startServer, type TestServer } from '../support/server.js';
import { TestBrowser } from '../support/browser.js';
import { codeForm, expectTokens, introspect, obtainCode, postToken, SERVICE_AUTH } from '../support/token-helpers.js';
import { basic, CC_SECRET, WEB_SECRET } from '../support/server.js';

const CONNECT_TIMEOUT_MS = 500;

describe('PostgreSQL outage', { timeout: 90_000 }, () => {
  let database: PrivatePostgres;
  let server: TestServer;
  before(async () => {
    database = await startPrivatePostgres();
    server = await startServer({
      env: { DATABASE_URL: database.url, DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS), DATABASE_STATEMENT_TIMEOUT_MS: '1000' },
    });
  });
  after(async () => {
    await server?.close().catch(() => undefined);
    await database?.destroy();
  });

  it('fails fast with 503 while the database is down, recovers by itself, and keeps what was committed before', async () => {
    const web = basic('web', WEB_SECRET);
    const issued = await obtainCode(server, new TestBrowser(), { clientId: 'web', scope: 'openid offline_access' });
    const before = await expectTokens(await postToken(server, codeForm(issued), { authorization: web }));
    assert.ok(before.refresh_token);
    assert.equal((await postToken(server, { grant_type: 'client_credentials' }, { authorization: SERVICE_AUTH })).status, 200);

    await database.stop();
    // Under load: 20 concurrent refresh requests (each needs the database), all answered quickly with a JSON 503.
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => postToken(server, { grant_type: 'refresh_token', refresh_token: before.refresh_token! }, { authorization: web })),
    );
    const elapsed = Date.now() - started;
    for (const res of responses) {
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      const body = (await res.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'temporarily_unavailable');
      assert.doesNotMatch(JSON.stringify(body), /ECONNREFUSED|at \w+ \(|\.js:\d+/, 'no internals or stack trace');
    }
    assert.ok(elapsed < 5000, `failed fast (${elapsed} ms for 20 requests)`);
    const ready = await fetch(`${server.base}/oauth2/readyz`);
    assert.equal(ready.status, 503);
    const readiness = (await ready.json()) as { status: string; checks: { database: string } };
    assert.equal(readiness.status, 'unavailable');
    assert.notEqual(readiness.checks.database, 'ok');
    assert.equal((await fetch(`${server.base}/oauth2/healthz`)).status, 200, 'still alive');
    // What needs no database still works: a client_credentials JWT for a client already in the cache.
    assert.equal((await postToken(server, { grant_type: 'client_credentials' }, { authorization: SERVICE_AUTH })).status, 200);

    await database.start();
    // The pool replaces its broken connections: the node recovers without a restart.
    let recovered: Response | undefined;
    for (let i = 0; i < 50 && recovered?.status !== 200; i++) {
      recovered = await fetch(`${server.base}/oauth2/readyz`);
      if (recovered.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(recovered?.status, 200, 'ready again');
    // The refresh token issued before the outage still works (the refused attempts did not consume it).
    const after = await expectTokens(await postToken(server, { grant_type: 'refresh_token', refresh_token: before.refresh_token! }, { authorization: web }));
    assert.ok(after.refresh_token && after.refresh_token !== before.refresh_token);
  });

  it('under continuous load: every answer is a token or a quick 503, and every token answered survives the outage', async () => {
    const opaqueAuth = basic('service-opaque', CC_SECRET);
    const issued: string[] = [];
    const statuses = new Map<number, number>();
    let slowest = 0;
    let running = true;
    const worker = async () => {
      while (running) {
        const started = Date.now();
        const res = await postToken(server, { grant_type: 'client_credentials' }, { authorization: opaqueAuth });
        slowest = Math.max(slowest, Date.now() - started);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const body = (await res.json()) as { access_token?: string; error?: string };
        if (res.status === 200) issued.push(body.access_token!);
        else assert.equal(body.error, 'temporarily_unavailable');
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await new Promise((r) => setTimeout(r, 300));
    await database.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await database.start();
    await new Promise((r) => setTimeout(r, 1500));
    running = false;
    await Promise.all(workers);

    assert.deepEqual([...statuses.keys()].sort(), [200, 503], `statuses seen: ${JSON.stringify([...statuses])}`);
    assert.ok(slowest < 3000, `no request hung (slowest ${slowest} ms)`);
    // Nothing answered as issued was lost: every token is still active after the outage.
    for (const token of issued) {
      const active = await introspect(server, token);
      assert.equal(active.active, true, 'a token answered before or after the outage is stored');
    }
  });
});
