/**
 * The service API (issue 6) against a real server, called by a client written the way the public client libraries
 * do it: its own secp256k1 key pair, the shared key with the service's public key (GET /publickeys), and the
 * encrypted `publickey`/`licensekey`/`requestid` headers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { LOG_REDACTION } from '../../src/runtime/create-provider.js';
import { startServer, type TestServer } from '../support/server.js';
import { encrypt, decrypt } from '../../src/service/ecdh.js';
import {
  ACME_LICENSE,
  ADMIN_SECRET,
  DISABLED_LICENSE,
  EXPIRED_LICENSE,
  REPORTS_SECRET,
  SERVICE_LICENSE,
  SYSTEM_LICENSE,
  ServiceClient,
  serviceProvisioning,
} from '../support/service-client.js';
import { serviceKeyId } from '../../src/service/licenses.js';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { parseProvisioning, ProvisioningError } from '../../src/provisioning/schema.js';

interface ServiceKeyView {
  tag: string;
  keyId: string;
  keySecret: string;
  type: string;
}

async function expectError(response: Response, status: number, message?: RegExp): Promise<void> {
  const body = (await response.json()) as { statusCode: number; error: string; message: string };
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.statusCode, status);
  assert.equal(typeof body.error, 'string');
  assert.equal(typeof body.message, 'string');
  if (message) assert.match(body.message, message);
}

describe('service API', () => {
  let server: TestServer;
  let client: ServiceClient;
  before(async () => {
    server = await startServer({ provisioning: serviceProvisioning() });
    client = new ServiceClient(server);
  });
  after(async () => server.close());

  it('publishes its public key, healthz with the key and the build version, and the service directory', async () => {
    const { publicKey } = (await (await fetch(`${server.base}/oauth2/publickeys`)).json()) as { publicKey: string };
    assert.equal(Buffer.from(publicKey, 'base64').length, 64);
    const health = (await (await fetch(`${server.base}/oauth2/healthz`)).json()) as Record<string, string>;
    assert.deepEqual(Object.keys(health), ['status', 'publicKey', 'code', 'version']);
    assert.equal(health.status, 'all services operational');
    assert.equal(health.code, '200');
    assert.equal(health.publicKey, publicKey);
    assert.match(health.version!, /^(?:[\w.-]+\.)?[0-9a-f]{7,40}\.\d{9,}$|^\d+\.\d+\.\d+-dev$/);
    const sd = (await (await fetch(`${server.base}/oauth2/sd`)).json()) as Record<string, string>;
    assert.equal(sd.oauth2, `${server.base}/oauth2`);
    assert.equal((await fetch(`${server.base}/oauth2/readyz`)).status, 200);
  });

  it('the key pair is created once and shared: a second node on the same database publishes the same key', async () => {
    const second = await startServer({ provisioning: serviceProvisioning(), shareDatabaseOf: server });
    try {
      const a = await (await fetch(`${server.base}/oauth2/publickeys`)).text();
      const b = await (await fetch(`${second.base}/oauth2/publickeys`)).text();
      assert.equal(a, b);
      const rows = await server.provider.db.selectFrom('service_key_pairs').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.ok(rows[0]!.private_key.startsWith('v1.'), 'the private key is sealed');
      // A request encrypted for the first node is accepted by the second, and the replay cache is shared.
      const headers = await client.headers(SERVICE_LICENSE);
      assert.equal((await fetch(`${second.base}/oauth2/environment`, { headers })).status, 200);
      await expectError(await fetch(`${server.base}/oauth2/environment`, { headers }), 401, /replay/);
    } finally {
      await second.close();
    }
  });

  it('/environment needs a license: encrypted scheme, plain scheme, and neither', async () => {
    const response = await client.call('GET', '/oauth2/environment', SERVICE_LICENSE);
    assert.equal(response.status, 200);
    const env = (await response.json()) as Record<string, unknown>;
    assert.equal(env.allowed_time_span, 60);
    assert.equal(env.EC_CURVE_NAME, 'secp256k1');
    assert.equal(typeof env.version, 'string');
    assert.ok(!JSON.stringify(env).includes('private'));
    await expectError(await fetch(`${server.base}/oauth2/environment`), 401, /service credentials are required/);
    assert.equal((await fetch(`${server.base}/oauth2/environment`, { headers: { license: ACME_LICENSE } })).status, 200);
    await expectError(await fetch(`${server.base}/oauth2/environment`, { headers: { license: 'x'.repeat(40) } }), 401, /not valid/);
    // keyId/keySecret, when sent, must be a real service key pair.
    const good = { license: ACME_LICENSE, keyId: serviceKeyId(REPORTS_SECRET), keySecret: REPORTS_SECRET };
    assert.equal((await fetch(`${server.base}/oauth2/environment`, { headers: good })).status, 200);
    await expectError(await fetch(`${server.base}/oauth2/environment`, { headers: { ...good, keySecret: ADMIN_SECRET } }), 401, /not a valid service key/);
    await expectError(await fetch(`${server.base}/oauth2/environment`, { headers: { license: ACME_LICENSE, keyId: serviceKeyId(REPORTS_SECRET) } }), 401);
  });

  it('refuses a replayed requestid, also on another endpoint', async () => {
    const headers = await client.headers(SYSTEM_LICENSE);
    assert.equal((await fetch(`${server.base}/oauth2/environment`, { headers })).status, 200);
    await expectError(await fetch(`${server.base}/oauth2/environment`, { headers }), 401, /replay/);
    await expectError(await fetch(`${server.base}/oauth2/servicekeys`, { headers }), 401, /replay/);
    // The same uuid from another key pair is another request.
    const other = new ServiceClient(server);
    const uuid = randomUUID();
    assert.equal((await other.call('GET', '/oauth2/environment', SYSTEM_LICENSE, { request: { uuid } })).status, 200);
    assert.equal((await client.call('GET', '/oauth2/environment', SYSTEM_LICENSE, { request: { uuid } })).status, 200);
  });

  it('refuses a requestid outside the allowed time span (server clock)', async () => {
    const now = server.clock.now();
    assert.equal((await client.call('GET', '/oauth2/environment', SERVICE_LICENSE, { request: { ts: now - 59 } })).status, 200);
    await expectError(await client.call('GET', '/oauth2/environment', SERVICE_LICENSE, { request: { ts: now - 61 } }), 401, /60 seconds/);
    await expectError(await client.call('GET', '/oauth2/environment', SERVICE_LICENSE, { request: { ts: now + 61 } }), 401, /60 seconds/);
    const headers = await client.headers(SERVICE_LICENSE);
    server.clock.advance(61);
    try {
      await expectError(await fetch(`${server.base}/oauth2/environment`, { headers }), 401, /60 seconds/);
    } finally {
      server.clock.advance(-61);
    }
    await expectError(await client.call('GET', '/oauth2/environment', SERVICE_LICENSE, { request: { ts: 'now' } }), 401, /ts must be a number/);
    await expectError(await client.call('GET', '/oauth2/environment', SERVICE_LICENSE, { request: { uuid: 42 } }), 401, /uuid/);
  });

  it('refuses expired, disabled and unknown licenses (401) and insufficient levels (403)', async () => {
    await expectError(await client.call('GET', '/oauth2/environment', EXPIRED_LICENSE), 401, /expired/);
    await expectError(await client.call('GET', '/oauth2/environment', DISABLED_LICENSE), 401, /disabled/);
    await expectError(await client.call('GET', '/oauth2/environment', 'lic-unknown-0123456789abcdefghijklmnopqrstuvwxyz'), 401, /not valid/);
    await expectError(await client.call('GET', '/oauth2/environment', 'short'), 401, /not valid/);
    for (const license of [SERVICE_LICENSE, ACME_LICENSE]) {
      await expectError(await client.call('GET', '/oauth2/servicekeys', license), 403, /authLevel system/);
      await expectError(await client.call('DELETE', `/oauth2/servicekey/${serviceKeyId(ADMIN_SECRET)}`, license), 403);
    }
    await expectError(await fetch(`${server.base}/oauth2/servicekeys`, { headers: { license: ACME_LICENSE } }), 403);
    // A license valid now expires with the server's clock.
    server.clock.advance(100 * 365 * 86400);
    try {
      await expectError(await fetch(`${server.base}/oauth2/environment`, { headers: { license: SYSTEM_LICENSE } }), 401, /expired/);
    } finally {
      server.clock.advance(-100 * 365 * 86400);
    }
  });

  it('refuses malformed keys and ciphertexts, and oversized headers, with 401', async () => {
    const key = await client.sharedKey();
    const good = await client.headers(SERVICE_LICENSE);
    const wrongKey = Buffer.alloc(32, 9);
    const variants: [Record<string, string>, RegExp][] = [
      [{ ...good, publickey: 'not-base64!' }, /publicKey is not valid base64/],
      [{ ...good, publickey: Buffer.alloc(64, 1).toString('base64') }, /not a point on the curve/],
      [{ ...good, publickey: Buffer.alloc(33, 2).toString('base64') }, /64-byte/],
      [{ ...good, licensekey: encrypt(SERVICE_LICENSE, wrongKey) }, /licensekey could not be decrypted/],
      [{ ...good, requestid: encrypt(JSON.stringify({ ts: server.clock.now(), uuid: randomUUID(), appid: 'x' }), wrongKey) }, /requestid could not be decrypted/],
      [{ ...good, requestid: encrypt('not json', key) }, /not JSON/],
      [{ ...good, requestid: encrypt('x'.repeat(5000), key) }, /requestid is too long/],
      [{ ...good, licensekey: Buffer.alloc(20).toString('base64') }, /too short/],
      [{ publickey: good.publickey!, licensekey: good.licensekey! }, /all required/],
    ];
    for (const [headers, message] of variants) await expectError(await fetch(`${server.base}/oauth2/environment`, { headers }), 401, message);
  });

  it('lists service keys with their secrets to system licenses only, and audit-logs without secrets', async () => {
    const response = await client.call('GET', '/oauth2/servicekeys', SYSTEM_LICENSE);
    assert.equal(response.status, 200);
    const keys = (await response.json()) as ServiceKeyView[];
    assert.deepEqual(
      keys.map((k) => k.tag),
      ['admin-api', 'reports'],
    );
    const admin = keys.find((k) => k.tag === 'admin-api')!;
    assert.equal(admin.keySecret, ADMIN_SECRET);
    assert.equal(admin.keyId, serviceKeyId(ADMIN_SECRET));
    assert.equal(admin.type, 'service');
    const stored = JSON.stringify(await server.provider.db.selectFrom('service_keys').selectAll().execute());
    assert.ok(!stored.includes(ADMIN_SECRET) && !stored.includes(REPORTS_SECRET), 'secrets are sealed at rest');
    const licenses = JSON.stringify(await server.provider.db.selectFrom('licenses').selectAll().execute());
    assert.ok(!licenses.includes(SYSTEM_LICENSE), 'license keys are stored by hash');
  });

  it('resets a service key (path and query forms): the old pair stops working, the new one works', async () => {
    const before = serviceKeyId(REPORTS_SECRET);
    const response = await client.call('DELETE', `/oauth2/servicekey/${before}`, SYSTEM_LICENSE);
    assert.equal(response.status, 200);
    const fresh = (await response.json()) as ServiceKeyView;
    assert.equal(fresh.tag, 'reports');
    assert.equal(fresh.keyId, serviceKeyId(fresh.keySecret));
    assert.notEqual(fresh.keyId, before);
    const plain = (keyId: string, keySecret: string) => fetch(`${server.base}/oauth2/environment`, { headers: { license: ACME_LICENSE, keyId, keySecret } });
    assert.equal((await plain(before, REPORTS_SECRET)).status, 401);
    assert.equal((await plain(fresh.keyId, fresh.keySecret)).status, 200);
    // The client libraries' form: DELETE /servicekey?keyId=…
    const again = await client.call('DELETE', `/oauth2/servicekey?keyId=${fresh.keyId}`, SYSTEM_LICENSE);
    assert.equal(again.status, 200);
    const third = (await again.json()) as ServiceKeyView;
    assert.equal((await plain(fresh.keyId, fresh.keySecret)).status, 401);
    assert.equal((await plain(third.keyId, third.keySecret)).status, 200);
    // Unknown and malformed key ids change nothing.
    await expectError(await client.call('DELETE', `/oauth2/servicekey/${before}`, SYSTEM_LICENSE), 404);
    await expectError(await client.call('DELETE', '/oauth2/servicekey/not-a-key-id', SYSTEM_LICENSE), 400, /keyId/);
    await expectError(await client.call('DELETE', '/oauth2/servicekey', SYSTEM_LICENSE), 400, /keyId is required/);
    const list = (await (await client.call('GET', '/oauth2/servicekeys', SYSTEM_LICENSE)).json()) as ServiceKeyView[];
    assert.deepEqual(list.find((k) => k.tag === 'reports'), third);
    // Applying the same provisioning file again keeps the reset key (the file's secret did not change).
    const summary = await applyProvisioning(server.provider, serviceProvisioning());
    assert.deepEqual([summary.created, summary.updated], [[], []]);
    assert.equal((await plain(third.keyId, third.keySecret)).status, 200);
  });

  it('concurrent resets of one key leave exactly one valid key', async () => {
    const list = (await (await client.call('GET', '/oauth2/servicekeys', SYSTEM_LICENSE)).json()) as ServiceKeyView[];
    const admin = list.find((k) => k.tag === 'admin-api')!;
    const responses = await Promise.all(Array.from({ length: 8 }, () => client.call('DELETE', `/oauth2/servicekey/${admin.keyId}`, SYSTEM_LICENSE)));
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 404, 404, 404, 404, 404, 404, 404]);
    const winner = (await responses.find((r) => r.status === 200)!.json()) as ServiceKeyView;
    const after = (await (await client.call('GET', '/oauth2/servicekeys', SYSTEM_LICENSE)).json()) as ServiceKeyView[];
    const admins = after.filter((k) => k.tag === 'admin-api');
    assert.deepEqual(admins, [winner]);
    assert.equal(after.length, 2);
  });

  it('ecdsa_helper encrypts and decrypts with the given keys, and refuses bad keys and tags with 400', async () => {
    const a = { privateKey: 'ERERERERERERERERERERERERERERERERERERERERERE=', publicKey: 'TzVb3LfMCvco7zzOuWFdkGhLtbLKX4WasPC3BAdYcao4W2sbjq2AnKZ0VNloP88roDRW1v4sSr4rB/D727LxwQ==' };
    const b = { privateKey: 'IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=', publicKey: 'Rm1/yuVj5csJoNGHC7WANEgEYXh5oUlJzyIoXxuuPydnKBdsPGQx+O7aRTjcN8hl4nhPOp530ETzPkB3l+Enig==' };
    const enc = await client.call('POST', '/oauth2/ecdsa_helper/encrypt', SERVICE_LICENSE, { body: { dataStr: 'Hey, This is example data string.', publicKey: b.publicKey, privateKey: a.privateKey } });
    assert.equal(enc.status, 200);
    const { data } = (await enc.json()) as { data: string };
    assert.equal(decrypt(data, Buffer.from('d+BRDVBC4vXp5ZyXe4Hu7VkM99IMHFHaRRqOqp/cRf8=', 'base64')), 'Hey, This is example data string.');
    const dec = await client.call('POST', '/oauth2/ecdsa_helper/decrypt', SERVICE_LICENSE, { body: { dataStr: data, publicKey: a.publicKey, privateKey: b.privateKey } });
    assert.deepEqual(await dec.json(), { data: 'Hey, This is example data string.' });

    const bad: [unknown, RegExp][] = [
      [{ dataStr: data, publicKey: a.publicKey, privateKey: a.privateKey }, /could not be decrypted/],
      [{ dataStr: 'AAAA', publicKey: a.publicKey, privateKey: b.privateKey }, /too short/],
      [{ dataStr: data, publicKey: 'abc', privateKey: b.privateKey }, /publicKey/],
      [{ dataStr: data, publicKey: a.publicKey, privateKey: Buffer.alloc(32).toString('base64') }, /privateKey/],
      [{ dataStr: data, publicKey: a.publicKey }, /must be strings/],
      [{ dataStr: 'x'.repeat(40000), publicKey: a.publicKey, privateKey: b.privateKey }, /at most/],
      [['array'], /JSON object/],
    ];
    for (const [body, message] of bad) await expectError(await client.call('POST', '/oauth2/ecdsa_helper/decrypt', SERVICE_LICENSE, { body }), 400, message);
    await expectError(await client.call('POST', '/oauth2/ecdsa_helper/sign', SERVICE_LICENSE, { body: { dataStr: 'x', publicKey: a.publicKey, privateKey: b.privateKey } }), 400, /encrypt or decrypt/);
    await expectError(await fetch(`${server.base}/oauth2/ecdsa_helper/encrypt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 401);
    const headers = await client.headers(SERVICE_LICENSE);
    await expectError(await fetch(`${server.base}/oauth2/ecdsa_helper/encrypt`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{not json' }), 400);
    const huge = JSON.stringify({ dataStr: 'x'.repeat(100 * 1024), publicKey: a.publicKey, privateKey: b.privateKey });
    await expectError(await fetch(`${server.base}/oauth2/ecdsa_helper/encrypt`, { method: 'POST', headers: { ...(await client.headers(SERVICE_LICENSE)), 'content-type': 'application/json' }, body: huge }), 413);
  });

  it('logs service key operations for audit, never a secret, license key, private key or credential header', async () => {
    const lines: string[] = [];
    const original = server.provider.log;
    server.provider.log = pino({ level: 'debug', redact: LOG_REDACTION }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    try {
      const list = (await (await client.call('GET', '/oauth2/servicekeys', SYSTEM_LICENSE)).json()) as ServiceKeyView[];
      const reset = await client.call('DELETE', `/oauth2/servicekey/${list[0]!.keyId}`, SYSTEM_LICENSE);
      const fresh = (await reset.json()) as ServiceKeyView;
      const helperKey = 'ERERERERERERERERERERERERERERERERERERERERERE=';
      await client.call('POST', '/oauth2/ecdsa_helper/encrypt', SERVICE_LICENSE, { body: { dataStr: 'top secret text', publicKey: 'Rm1/yuVj5csJoNGHC7WANEgEYXh5oUlJzyIoXxuuPydnKBdsPGQx+O7aRTjcN8hl4nhPOp530ETzPkB3l+Enig==', privateKey: helperKey } });
      // A logger call that would carry them is redacted too.
      server.provider.log.info({ req: { headers: { licensekey: 'x1', requestid: 'x2', publickey: 'x3', license: SYSTEM_LICENSE, keysecret: 'x4' } }, body: { privateKey: helperKey, dataStr: 'top secret text' } }, 'probe');
      const text = lines.join('');
      assert.match(text, /"audit":"servicekeys.list"/);
      assert.match(text, /"audit":"servicekey.reset".*"license":"ops"/);
      for (const secret of [fresh.keySecret, list[0]!.keySecret, list[1]!.keySecret, SYSTEM_LICENSE, SERVICE_LICENSE, helperKey, 'top secret text', '"x1"', '"x2"', '"x3"', '"x4"']) {
        assert.ok(!text.includes(secret), `the log must not contain ${secret.slice(0, 12)}…`);
      }
    } finally {
      server.provider.log = original;
    }
  });

  it('the provisioning file refuses short license keys and inconsistent licenses, naming the field', () => {
    const file = (licenses: unknown[]) => ({ communities: [], licenses });
    const cases: [unknown, RegExp][] = [
      [file([{ key: 'short', tag: 't', authLevel: 'system', expiry: '2030-01-01T00:00:00Z' }]), /\/licenses\/0\/key: must NOT have fewer than 32 characters/],
      [file([{ key: SYSTEM_LICENSE, tag: 't', authLevel: 'community', expiry: '2030-01-01T00:00:00Z' }]), /\/licenses\/0\/community: a community license needs a community/],
      [file([{ key: SYSTEM_LICENSE, tag: 't', authLevel: 'root', expiry: '2030-01-01T00:00:00Z' }]), /\/licenses\/0\/authLevel: must be one of/],
      [file([{ key: SYSTEM_LICENSE, tag: 't', authLevel: 'system', expiry: 'soon' }]), /\/licenses\/0\/expiry/],
      [{ communities: [], service_keys: [{ tag: 'x', keySecret: 'short' }] }, /\/service_keys\/0\/keySecret/],
      [{ communities: [{ name: 'x', login_ui_url: 'http://evil.example/login' }] }, /login_ui_url: must be an https URL/],
      [{ communities: [{ name: 'x', authenticators: [{ issuer: 'https://a.example' }] }] }, /authenticators\/0: give either jwks or jwks_uri/],
    ];
    for (const [input, message] of cases) assert.throws(() => parseProvisioning(input), (err: unknown) => err instanceof ProvisioningError && message.test(err.message));
  });

  it('ecdsa_helper can be switched off by configuration', async () => {
    const off = await startServer({ provisioning: serviceProvisioning(), env: { SERVICE_ECDSA_HELPER: 'false', SERVICE_PLAIN_AUTH: 'false', SERVICE_DIRECTORY: '{"licenses":"https://licenses.example/licenses"}' } });
    try {
      const offClient = new ServiceClient(off);
      await expectError(await offClient.call('POST', '/oauth2/ecdsa_helper/encrypt', SYSTEM_LICENSE, { body: { dataStr: 'x', publicKey: 'a', privateKey: 'b' } }), 404, /switched off/);
      await expectError(await fetch(`${off.base}/oauth2/environment`, { headers: { license: SYSTEM_LICENSE } }), 401, /plain license headers are not accepted/);
      assert.deepEqual(await (await fetch(`${off.base}/oauth2/sd`)).json(), { licenses: 'https://licenses.example/licenses', oauth2: `${off.base}/oauth2` });
    } finally {
      await off.close();
    }
  });
});
