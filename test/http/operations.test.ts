/** Operations: readiness, sweeping expired rows, and changes made on one node reaching another. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { pollChanges, subscribeChanges } from '../../src/runtime/change-watcher.js';
import { sweepExpired } from '../../src/store/sweep.js';
import { fixture, startServer, type TestServer } from '../support/server.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';

describe('operations', () => {
  let nodeA: TestServer;
  let nodeB: TestServer;
  before(async () => {
    nodeA = await startServer();
    nodeB = await startServer({ shareDatabaseOf: nodeA });
  });
  after(async () => {
    await nodeB.close();
    await nodeA.close();
  });

  it('readyz answers 200 when the database answers; healthz is liveness only', async () => {
    const ready = await fetch(`${nodeA.base}/oauth2/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.headers.get('cache-control'), 'no-store');
    const checks = nodeA.provider.redis ? { database: 'ok', redis: 'ok' } : { database: 'ok' };
    assert.deepEqual(await ready.json(), { status: 'ready', checks });
    assert.equal((await fetch(`${nodeA.base}/oauth2/healthz`)).status, 200);
  });

  it('a client changed through one node is seen by the other once it polls for changes', async () => {
    const newUri = 'http://127.0.0.1:7777/elsewhere';
    const url = (base: string) =>
      authorizeUrl(`${base}/oauth2/community/acme`, { client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: newUri, code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    // Node B has the client cached, without the new redirect URI.
    assert.equal((await fetch(url(nodeB.base), { redirect: 'manual' })).status, 400);
    const doc = fixture() as { communities: { clients: { client_id: string; redirect_uris: string[] }[] }[] };
    doc.communities[0]!.clients.find((c) => c.client_id === 'web')!.redirect_uris.push(newUri);
    await applyProvisioning(nodeA.provider, doc);
    assert.equal((await fetch(url(nodeA.base), { redirect: 'manual' })).status, 303, 'the node that applied sees it at once');
    assert.equal((await fetch(url(nodeB.base), { redirect: 'manual' })).status, 400, 'the other still has its cached copy');
    assert.deepEqual(await pollChanges(nodeB.provider), ['acme']);
    assert.equal((await fetch(url(nodeB.base), { redirect: 'manual' })).status, 303, 'seen after one poll');
    assert.deepEqual(await pollChanges(nodeB.provider), [], 'nothing changed since');
    await applyProvisioning(nodeA.provider, fixture());
  });

  it('with Redis, a change is announced to the other nodes at once (no poll needed)', { skip: !process.env.TESSERA_TEST_REDIS }, async () => {
    const unsubscribe = subscribeChanges(nodeB.provider);
    try {
      await new Promise((r) => setTimeout(r, 200)); // the subscription is in place
      const before = await nodeB.provider.registry.get('acme');
      const doc = fixture() as { communities: { clients: { client_id: string; redirect_uris: string[] }[] }[] };
      doc.communities[0]!.clients.find((c) => c.client_id === 'web')!.redirect_uris.push('http://127.0.0.1:7777/announced');
      await applyProvisioning(nodeA.provider, doc);
      let after = await nodeB.provider.registry.get('acme');
      for (let i = 0; i < 50 && after === before; i++) {
        await new Promise((r) => setTimeout(r, 20));
        after = await nodeB.provider.registry.get('acme');
      }
      assert.notEqual(after, before, 'node B dropped its entry on the announcement');
      assert.ok((after?.revision ?? 0) > (before?.revision ?? 0), 'and reloaded the new revision');
    } finally {
      unsubscribe();
      await applyProvisioning(nodeA.provider, fixture());
    }
  });

  it('sweeping deletes rows expired beyond their grace, a bounded batch per run, and nothing else', async () => {
    const { db, config } = nodeA.provider;
    const now = nodeA.clock.now();
    const community = await db.selectFrom('communities').select('id').where('name', '=', 'acme').executeTakeFirstOrThrow();
    const row = (id: string, expiresAt: number) => ({
      id,
      grant_id: null,
      community_id: community.id,
      client_id: 'service',
      user_id: null,
      scope: '',
      format: 'opaque',
      auth_time: null,
      created_at: expiresAt - 60,
      expires_at: expiresAt,
      revoked_at: null,
    });
    const expired = ['o:e1', 'o:e2', 'o:e3', 'o:e4', 'o:e5'];
    await db.insertInto('access_tokens').values([...expired.map((id) => row(id, now - 7200)), row('o:recent', now - 60), row('o:live', now + 600)]).execute();
    const counts: number[] = [];
    for (let run = 0; run < 4; run++) counts.push((await sweepExpired(db, config.database.kind, now, 2)).access_tokens!);
    assert.deepEqual(counts, [2, 2, 1, 0]);
    const left = await db.selectFrom('access_tokens').select('id').where('id', 'in', [...expired, 'o:recent', 'o:live']).orderBy('id').execute();
    assert.deepEqual(left.map((r) => r.id), ['o:live', 'o:recent'], 'live rows and rows inside the grace period stay');
  });
});
