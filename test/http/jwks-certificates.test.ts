/**
 * Every JWK carries `x5c` (Microsoft Entra's rule for an external authentication method's JWKS): a self-signed
 * certificate of exactly that key, currently valid; keys made before certificates existed get one at start.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import { startServer, type TestServer } from '../support/server.js';
import { endpoints } from '../support/token-helpers.js';
import { addMissingCertificates } from '../../src/keys/rotate.js';

describe('x5c certificates in JWKS', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const jwks = async (): Promise<JWK[]> => ((await (await fetch(endpoints(server).jwks)).json()) as { keys: JWK[] }).keys;

  it('each key has one self-signed certificate of that very key, valid now', async () => {
    const keys = await jwks();
    assert.deepEqual(new Set(keys.map((k) => k.alg)), new Set(['ES256', 'RS256']));
    for (const jwk of keys) {
      assert.equal(jwk.x5c?.length, 1, `${jwk.alg} has x5c`);
      const cert = new X509Certificate(Buffer.from(jwk.x5c![0]!, 'base64'));
      const { x5c: _, kid: __, use: ___, alg: ____, ...members } = jwk;
      assert.ok(cert.publicKey.equals(createPublicKey({ key: members as import('node:crypto').JsonWebKey, format: 'jwk' })), 'the certificate holds the JWK’s key');
      assert.ok(cert.verify(cert.publicKey), 'self-signed');
      assert.equal(cert.subject, `CN=Tessera signing key ${jwk.kid}`);
      const now = Date.now();
      assert.ok(Date.parse(cert.validFrom) <= now && now < Date.parse(cert.validTo));
    }
  });

  it('keys stored without a certificate get one at start, once', async () => {
    const db = server.provider.db;
    const rows = await db.selectFrom('signing_keys').select(['kid', 'public_jwk']).execute();
    for (const row of rows) {
      const { x5c: _, ...bare } = JSON.parse(row.public_jwk) as JWK;
      await db.updateTable('signing_keys').set({ public_jwk: JSON.stringify(bare) }).where('kid', '=', row.kid).execute();
    }
    const now = server.clock.now();
    assert.equal(await addMissingCertificates(db, server.provider.secrets.sealing, now), rows.length);
    assert.equal(await addMissingCertificates(db, server.provider.secrets.sealing, now), 0, 'nothing left to do');
    server.provider.registry.invalidate();
    for (const jwk of await jwks()) assert.equal(jwk.x5c?.length, 1, 'JWKS serves the new certificates');
  });
});
