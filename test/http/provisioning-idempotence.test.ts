/** Applying provisioning: idempotent, all-or-nothing, picked up without restart, secrets never stored in clear. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { ProvisioningError } from '../../src/provisioning/schema.js';
import { ALICE_PASSWORD, CC_SECRET, WEB_SECRET, basic, fixture, startServer, type TestServer } from '../support/server.js';
import { postToken } from '../support/token-helpers.js';
import { TestBrowser, hiddenInputs } from '../support/browser.js';
import { authorizeUrl, pkcePair } from '../support/flows.js';

describe('applying provisioning', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());
  const rows = async () => ({
    clients: await server.provider.db.selectFrom('clients').selectAll().orderBy('client_id').execute(),
    users: await server.provider.db.selectFrom('users').selectAll().orderBy('username').execute(),
    keys: await server.provider.db.selectFrom('signing_keys').selectAll().orderBy('kid').execute(),
    communities: await server.provider.db.selectFrom('communities').selectAll().orderBy('name').execute(),
  });

  it('the same file again changes nothing', async () => {
    const before = await rows();
    server.clock.advance(5);
    const summary = await applyProvisioning(server.provider, fixture());
    assert.deepEqual(summary.created, []);
    assert.deepEqual(summary.updated, []);
    assert.deepEqual(await rows(), before);
  });

  it('never stores a client secret, a password or a private key in clear', async () => {
    const { clients, users, keys } = await rows();
    const web = clients.find((c) => c.client_id === 'web')!;
    assert.ok(web.secret_hash && web.secret_hash !== WEB_SECRET && !web.metadata.includes(WEB_SECRET));
    assert.equal(web.secret_sealed, null, 'only client_secret_jwt clients keep a sealed secret');
    const alice = users.find((u) => u.username === 'alice')!;
    assert.match(alice.password_hash!, /^scrypt\$/);
    assert.ok(!alice.password_hash!.includes(ALICE_PASSWORD));
    for (const key of keys) {
      assert.match(key.private_key, /^v1\./);
      assert.doesNotMatch(key.private_key, /PRIVATE KEY/);
      assert.equal('d' in JSON.parse(key.public_jwk), false);
    }
  });

  it('a changed field is updated and seen at once (a new redirect URI is accepted without restart)', async () => {
    const url = authorizeUrl(server.issuer, { client_id: 'web', response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:7777/new', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' });
    assert.equal((await fetch(url, { redirect: 'manual' })).status, 400);
    const doc = fixture() as { communities: { clients: { client_id: string; redirect_uris: string[] }[] }[] };
    doc.communities[0]!.clients.find((c) => c.client_id === 'web')!.redirect_uris.push('http://127.0.0.1:7777/new');
    const summary = await applyProvisioning(server.provider, doc);
    assert.deepEqual(summary.updated, ['acme/client/web']);
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.match(res.headers.get('location')!, /\/v1\/interaction\//);
  });

  it('a rotated client secret replaces the old one at once, even after the old one was just used', async () => {
    const cc = (secret: string) => postToken(server, { grant_type: 'client_credentials' }, { authorization: basic('service', secret) });
    assert.equal((await cc(CC_SECRET)).status, 200);
    assert.equal((await cc(CC_SECRET)).status, 200, 'the remembered secret still verifies');
    assert.equal((await cc(`${CC_SECRET}-wrong`)).status, 401, 'a wrong one does not, after a right one');
    const rotated = `${CC_SECRET}-rotated`;
    const doc = fixture() as { communities: { clients: { client_id: string; client_secret?: string }[] }[] };
    doc.communities[0]!.clients.find((c) => c.client_id === 'service')!.client_secret = rotated;
    assert.ok((await applyProvisioning(server.provider, doc)).updated.includes('acme/client/service'));
    assert.equal((await cc(CC_SECRET)).status, 401, 'the old secret is refused');
    assert.equal((await cc(rotated)).status, 200);
    await applyProvisioning(server.provider, fixture());
  });

  it('a changed password replaces the old one', async () => {
    const doc = fixture() as { communities: { users: { username: string; password: string }[] }[] };
    doc.communities[0]!.users.find((u) => u.username === 'bob')!.password = 'a-brand-new-password';
    await applyProvisioning(server.provider, doc);
    const login = async (password: string) => {
      const browser = new TestBrowser();
      const { url, response } = await browser.follow(authorizeUrl(server.issuer, { client_id: 'first-party', response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:7777/cb', code_challenge: pkcePair().challenge, code_challenge_method: 'S256' }));
      return (await browser.post(url, { ...hiddenInputs(await response.text()), username: 'bob', password })).status;
    };
    assert.equal(await login('bob-password-1234'), 401);
    assert.equal(await login('a-brand-new-password'), 303);
  });

  it('an invalid file changes nothing, not even its valid parts', async () => {
    const before = await rows();
    const doc = { communities: [{ name: 'newco', clients: [] }, { name: 'broken', clients: [{ client_id: 'x', client_secret: 'short' }] }] };
    await assert.rejects(applyProvisioning(server.provider, doc), ProvisioningError);
    assert.deepEqual(await rows(), before);
    assert.equal((await fetch(`${server.base}/oauth2/community/newco/v1/jwks`)).status, 404);
  });

  it('a new community gets its own ES256 and RS256 keys', async () => {
    await applyProvisioning(server.provider, { communities: [{ name: 'initech' }] });
    const jwks = (await (await fetch(`${server.base}/oauth2/community/initech/v1/jwks`)).json()) as { keys: { alg: string; kid: string }[] };
    assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
    const acme = (await (await fetch(`${server.issuer}/v1/jwks`)).json()) as { keys: { kid: string }[] };
    assert.equal(jwks.keys.some((k) => acme.keys.some((a) => a.kid === k.kid)), false);
  });
});
