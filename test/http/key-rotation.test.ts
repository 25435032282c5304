/**
 * Signing key rotation over HTTP, with the server's manual clock: a new key is published before it signs, the old
 * one stays published (and its tokens valid) until they have expired, a second node over the same database agrees,
 * scheduled rotation happens once however many nodes run it, and retired keys are swept.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { ALICE_PASSWORD, CC_SECRET, basic, startServer, type TestServer } from '../support/server.js';
import { expectTokens, introspect, postToken } from '../support/token-helpers.js';
import { pollChanges } from '../../src/runtime/change-watcher.js';
import { deleteRetiredKeys, KeyRotationError, rotateDueKeys, rotateKeys, type RotatedKey } from '../../src/keys/rotate.js';
import { keyRotationCheckMs } from '../../src/runtime/background.js';

const SERVICE = { authorization: basic('service', CC_SECRET) };
const postgres = process.env.TESSERA_TEST_DATABASE === 'postgres';

interface Jwks {
  keys: JWK[];
  etag: string;
}

async function jwksOf(server: TestServer): Promise<Jwks> {
  const res = await fetch(`${server.issuer}/v1/jwks`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { keys: JWK[] };
  return { keys: body.keys, etag: res.headers.get('etag') ?? '' };
}

const kids = (jwks: Jwks) => jwks.keys.map((k) => k.kid).sort();

/** A client_credentials access token (ES256) and the kid in its header. */
async function accessToken(server: TestServer): Promise<{ token: string; kid: string }> {
  const { access_token } = await expectTokens(await postToken(server, { grant_type: 'client_credentials', scope: 'api:read' }, SERVICE));
  return { token: access_token, kid: decodeProtectedHeader(access_token).kid! };
}

/** An ID token (RS256, the legacy client's default) from the password grant, and its kid. */
async function idToken(server: TestServer): Promise<{ token: string; kid: string }> {
  const tokens = await expectTokens(
    await postToken(server, { grant_type: 'password', client_id: 'legacy', client_secret: CC_SECRET, username: 'alice', password: ALICE_PASSWORD, scope: 'openid' }),
  );
  assert.ok(tokens.id_token);
  return { token: tokens.id_token, kid: decodeProtectedHeader(tokens.id_token).kid! };
}

/**
 * Verifies a token against the JWKS `server` serves now, at its time. (Each test node has its own URL, hence its own
 * issuer: `issuer` is the one of the node that signed.)
 */
async function verifyWithServedJwks(server: TestServer, token: string, issuer = server.issuer): Promise<void> {
  const { keys } = await jwksOf(server);
  await jwtVerify(token, createLocalJWKSet({ keys }), { issuer, currentDate: new Date(server.clock.now() * 1000) });
}

/** Moves both nodes' clocks to the same time. */
function advance(seconds: number, ...servers: TestServer[]): void {
  const target = servers[0]!.clock.now() + seconds;
  for (const s of servers) s.clock.advance(target - s.clock.now());
}

describe('signing key rotation', () => {
  let server: TestServer;
  let node2: TestServer;
  before(async () => {
    server = await startServer();
    node2 = await startServer({ shareDatabaseOf: server });
    advance(0, server, node2);
  });
  after(async () => {
    await node2.close();
    await server.close();
  });

  it('publishes the new keys at once, signs with them only from activates_at, keeps the old ones until their tokens expired, on every node', async () => {
    const { lifetimes, keyPublishDelaySeconds } = server.provider.config;
    assert.equal(keyPublishDelaySeconds, 3600, 'the default publish delay');
    const initial = await jwksOf(server);
    assert.equal(initial.keys.length, 2);
    const oldAccess = await accessToken(server);
    const oldId = await idToken(server);
    assert.deepEqual(kids(await jwksOf(node2)), kids(initial), 'node 2 has the same keys (and has cached them)');

    const start = server.clock.now();
    const rotated = await rotateKeys(server.provider, 'acme', { now: start });
    assert.deepEqual(rotated.map((r) => r.alg).sort(), ['ES256', 'RS256']);
    const es = rotated.find((r) => r.alg === 'ES256')!;
    const rs = rotated.find((r) => r.alg === 'RS256')!;
    const retiresAt = start + keyPublishDelaySeconds + Math.max(lifetimes.accessToken, lifetimes.idToken) + 60;
    for (const r of rotated) {
      assert.equal(r.activatesAt, start + keyPublishDelaySeconds);
      assert.equal(r.superseded.length, 1);
      assert.equal(r.superseded[0]!.retiresAt, retiresAt);
    }
    assert.equal(es.superseded[0]!.kid, oldAccess.kid);
    assert.equal(rs.superseded[0]!.kid, oldId.kid);

    // Published at once on this node, with a new ETag; still signing with the old keys.
    const published = await jwksOf(server);
    assert.deepEqual(kids(published), [oldAccess.kid, oldId.kid, es.kid, rs.kid].sort());
    assert.notEqual(published.etag, initial.etag, 'the ETag changes with the set');
    for (const key of published.keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(member in key));
    assert.equal((await accessToken(server)).kid, oldAccess.kid, 'a NEXT key never signs');
    assert.equal((await idToken(server)).kid, oldId.kid);

    // Node 2 still serves its cached set until it polls for changes, then agrees (same bytes, same ETag).
    assert.deepEqual(kids(await jwksOf(node2)), kids(initial));
    assert.ok((await pollChanges(node2.provider)).includes('acme'));
    const published2 = await jwksOf(node2);
    assert.deepEqual(kids(published2), kids(published));
    assert.equal(published2.etag, published.etag);
    assert.equal((await accessToken(node2)).kid, oldAccess.kid);

    // A second rotation while the new keys wait is refused.
    await assert.rejects(rotateKeys(server.provider, 'acme', { now: start }), (err: unknown) => err instanceof KeyRotationError && /already has a NEXT ES256 key .*--force/.test(err.message));

    // Just before activation: still the old keys. This token outlives the old key's signing period.
    advance(keyPublishDelaySeconds - 10, server, node2);
    const lastOld = await accessToken(server);
    const lastOld2 = await accessToken(node2);
    assert.equal(lastOld.kid, oldAccess.kid);
    assert.equal(lastOld2.kid, oldAccess.kid);

    // From activates_at on (no restart, no invalidation): the new keys sign, on both nodes.
    advance(10, server, node2);
    const newAccess = await accessToken(server);
    const newId = await idToken(server);
    assert.equal(newAccess.kid, es.kid);
    assert.equal(newId.kid, rs.kid);
    assert.equal((await accessToken(node2)).kid, es.kid, 'node 2 signs with the same key');
    assert.equal((await idToken(node2)).kid, rs.kid);
    await verifyWithServedJwks(server, newAccess.token);
    await verifyWithServedJwks(server, newId.token);
    await verifyWithServedJwks(node2, newAccess.token, server.issuer);
    assert.deepEqual((await jwksOf(server)).etag, published.etag, 'activation does not change the published set');

    // The old key is RETIRING: still published, its tokens still verify and introspect active, on both nodes.
    await verifyWithServedJwks(server, lastOld.token);
    assert.equal((await introspect(server, lastOld.token)).active, true);
    assert.equal((await introspect(node2, lastOld2.token)).active, true);
    assert.equal((await introspect(server, newAccess.token)).active, true);

    // Past retires_at: the old keys are gone from JWKS (new ETag) on both nodes.
    advance(retiresAt - server.clock.now() - 1, server, node2);
    assert.equal((await jwksOf(server)).keys.length, 4, 'one second before retires_at');
    advance(1, server, node2);
    const retired = await jwksOf(server);
    assert.deepEqual(kids(retired), [es.kid, rs.kid].sort());
    assert.notEqual(retired.etag, published.etag);
    const retired2 = await jwksOf(node2);
    assert.deepEqual(kids(retired2), kids(retired));
    assert.equal(retired2.etag, retired.etag);
    await verifyWithServedJwks(server, (await accessToken(server)).token);

    // A day later the retired keys are deleted; nothing else is.
    assert.equal(await deleteRetiredKeys(server.provider.db, server.clock.now()), 0, 'kept for a day');
    advance(86400 + 1, server, node2);
    assert.equal(await deleteRetiredKeys(server.provider.db, server.clock.now()), 2);
    const rows = await server.provider.db.selectFrom('signing_keys').select('kid').execute();
    assert.deepEqual(rows.map((r) => r.kid).sort(), [es.kid, rs.kid].sort());
    assert.deepEqual(kids(await jwksOf(server)), kids(retired));
    assert.equal((await accessToken(server)).kid, es.kid);
  });
});

describe('rotateKeys', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: { KEY_PUBLISH_DELAY_SECONDS: '0', ACCESS_TOKEN_TTL: '600', ID_TOKEN_TTL: '300' } });
  });
  after(() => server.close());

  it('refuses an unknown community', async () => {
    await assert.rejects(rotateKeys(server.provider, 'nope', { now: server.clock.now() }), (err: unknown) => err instanceof KeyRotationError && /community "nope" does not exist/.test(err.message));
  });

  it('rotates one algorithm only when asked; with a delay of 0 the new key signs at once', async () => {
    const before = await accessToken(server);
    const beforeId = await idToken(server);
    server.clock.advance(1); // the first keys activated at the start, this very second
    const now = server.clock.now();
    const [rotated] = await rotateKeys(server.provider, 'acme', { algs: ['ES256'], now });
    assert.equal(rotated!.alg, 'ES256');
    assert.equal(rotated!.activatesAt, now);
    assert.equal(rotated!.superseded[0]!.retiresAt, now + 600 + 60, 'the longest token lifetime plus 60 s');
    assert.equal((await accessToken(server)).kid, rotated!.kid);
    assert.equal((await idToken(server)).kid, beforeId.kid, 'RS256 unchanged');
    assert.equal((await introspect(server, before.token)).active, true, 'the old key is retiring');
    assert.equal((await jwksOf(server)).keys.length, 3);
  });

  it('--force replaces a NEXT key that has not signed yet', async () => {
    server.clock.advance(1);
    const { db } = server.provider;
    const now = server.clock.now();
    // A rotation waiting to activate (an earlier delay), then a forced one replacing it.
    const [waiting] = await rotateKeys({ ...server.provider, config: { ...server.provider.config, keyPublishDelaySeconds: 3600 } }, 'acme', { algs: ['RS256'], now });
    await assert.rejects(rotateKeys(server.provider, 'acme', { algs: ['RS256'], now }), KeyRotationError);
    const [forced] = await rotateKeys(server.provider, 'acme', { algs: ['RS256'], now, force: true });
    assert.deepEqual(forced!.withdrawn, [waiting!.kid]);
    const stored = await db.selectFrom('signing_keys').select('kid').where('kid', '=', waiting!.kid).executeTakeFirst();
    assert.equal(stored, undefined, 'the replaced NEXT key is gone');
    assert.ok(!(await jwksOf(server)).keys.some((k) => k.kid === waiting!.kid));
    server.clock.advance(1);
    assert.equal((await idToken(server)).kid, forced!.kid);
  });
});

describe('scheduled key rotation', () => {
  let server: TestServer;
  let node2: TestServer;
  before(async () => {
    server = await startServer({ env: { KEY_ROTATION_DAYS: '2', SWEEP_INTERVAL_SECONDS: '7200' } });
    node2 = await startServer({ shareDatabaseOf: server, env: { KEY_ROTATION_DAYS: '2' } });
    advance(0, server, node2);
  });
  after(async () => {
    await node2.close();
    await server.close();
  });

  it('is checked at least hourly', () => {
    assert.equal(keyRotationCheckMs(server.provider), 3600_000);
    assert.equal(keyRotationCheckMs(node2.provider), 60_000);
  });

  const nextKeyCounts = async () => {
    const rows = await server.provider.db.selectFrom('signing_keys').select(['alg']).where('activates_at', '>', server.clock.now()).execute();
    return { ES256: rows.filter((r) => r.alg === 'ES256').length, RS256: rows.filter((r) => r.alg === 'RS256').length };
  };

  it('does nothing while the keys are younger than KEY_ROTATION_DAYS', async () => {
    advance(2 * 86400 - 1, server, node2);
    assert.deepEqual(await rotateDueKeys(server.provider, server.clock.now()), []);
    assert.deepEqual(await nextKeyCounts(), { ES256: 0, RS256: 0 });
  });

  it('creates exactly one NEXT key per algorithm when run twice at once (and on two nodes at once)', async () => {
    advance(1, server, node2);
    const now = server.clock.now();
    // On SQLite two connections in one process would only wait on each other's busy timeout; the concurrency there is
    // two runs on one node (serialized by the single writer). On PostgreSQL: two runs on each of two nodes.
    const runs: Promise<RotatedKey[]>[] = [rotateDueKeys(server.provider, now), rotateDueKeys(server.provider, now)];
    if (postgres) runs.push(rotateDueKeys(node2.provider, now), rotateDueKeys(node2.provider, now));
    const results = await Promise.all(runs);
    const rotated = results.flat();
    assert.deepEqual(rotated.map((r) => r.alg).sort(), ['ES256', 'RS256'], 'one rotation per algorithm in all');
    assert.deepEqual(await nextKeyCounts(), { ES256: 1, RS256: 1 });
    for (const r of rotated) assert.equal(r.activatesAt, now + 3600);
    assert.deepEqual(await rotateDueKeys(server.provider, now), [], 'nothing more to do');

    // Every node sees the NEXT keys once it polls, and signs with them after activation.
    await pollChanges(node2.provider);
    const es = rotated.find((r) => r.alg === 'ES256')!;
    assert.ok((await jwksOf(node2)).keys.some((k) => k.kid === es.kid));
    advance(3600, server, node2);
    assert.equal((await accessToken(server)).kid, es.kid);
    assert.equal((await accessToken(node2)).kid, es.kid);
    assert.deepEqual(await rotateDueKeys(node2.provider, server.clock.now()), [], 'the new keys are young');
  });

  it('is off with KEY_ROTATION_DAYS=0', async () => {
    const off = await startServer({ env: { KEY_ROTATION_DAYS: '0' } });
    try {
      off.clock.advance(10_000 * 86400);
      assert.deepEqual(await rotateDueKeys(off.provider, off.clock.now()), []);
    } finally {
      await off.close();
    }
  });
});
