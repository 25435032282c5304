/**
 * Redis stopped: the endpoints that need it (sign-in pages, SSO sessions) fail fast with 503 and a JSON error, the
 * token endpoint keeps serving from the database, readiness names Redis; when Redis returns, the node recovers by
 * itself. Runs against a private Redis this test starts and stops (never the shared one).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPrivateRedis, type PrivateRedis } from '../support/private-services.js';
import { startServer, type TestServer } from '../support/server.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';
import { postToken, SERVICE_AUTH } from '../support/token-helpers.js';

describe('Redis outage', { timeout: 60_000 }, () => {
  let redis: PrivateRedis;
  let server: TestServer;
  before(async () => {
    redis = await startPrivateRedis();
    server = await startServer({ env: { REDIS_URL: redis.url, REDIS_PREFIX: 'outage:', DATABASE_CONNECT_TIMEOUT_MS: '500' } });
  });
  after(async () => {
    await server?.close().catch(() => undefined);
    await redis?.destroy();
  });

  const authorize = () =>
    fetch(authorizeUrl(server.issuer, { client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:7777/cb', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
  const readiness = async () => {
    const res = await fetch(`${server.base}/oauth2/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };

  it('fails fast where Redis is needed, serves tokens from the database, and recovers without a restart', async () => {
    assert.equal((await authorize()).status, 303, 'an interaction is stored in Redis');
    assert.deepEqual((await readiness()).body.checks, { database: 'ok', redis: 'ok' });

    await redis.stop();
    const started = Date.now();
    const refused = await authorize();
    assert.ok(Date.now() - started < 2000, 'no hang');
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: string }).error, 'temporarily_unavailable');
    const down = await readiness();
    assert.equal(down.status, 503);
    assert.equal(down.body.checks.database, 'ok');
    assert.notEqual(down.body.checks.redis, 'ok', 'readiness says which dependency is missing');
    assert.equal((await postToken(server, { grant_type: 'client_credentials' }, { authorization: SERVICE_AUTH })).status, 200, 'the token endpoint does not need Redis');

    await redis.start();
    let ready = await readiness();
    for (let i = 0; i < 60 && ready.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ready = await readiness();
    }
    assert.equal(ready.status, 200, 'ready again');
    assert.equal((await authorize()).status, 303);
  });
});
