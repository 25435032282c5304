import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { seal, unseal } from '../../src/keys/sealing.js';
import { decodeMasterKey, deriveKeys } from '../../src/keys/master-key.js';
import { hashPassword, verifyPassword } from '../../src/identity/password.js';
import { ConfigError, loadConfig, parseDatabaseUrl } from '../../src/config.js';
import { randomToken } from '../../src/keys/secrets.js';

describe('random tokens (drawn from a pooled CSPRNG buffer)', () => {
  it('have the asked entropy, are URL-safe and never repeat, across many pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const token = randomToken(i % 3 === 0 ? 16 : 32);
      assert.match(token, /^[A-Za-z0-9_-]+$/);
      assert.equal(Buffer.from(token, 'base64url').length, i % 3 === 0 ? 16 : 32);
      assert.ok(!seen.has(token), 'a token repeated');
      seen.add(token);
    }
    // Sizes the pool does not serve still work.
    assert.equal(Buffer.from(randomToken(1000), 'base64url').length, 1000);
  });

  it('is not all zeros (the pool zeroes bytes it has handed out, never bytes it is about to hand out)', () => {
    for (let i = 0; i < 300; i++) assert.notEqual(Buffer.from(randomToken(32), 'base64url').toString('hex'), '00'.repeat(32));
  });
});

describe('sealing at rest (AES-256-GCM)', () => {
  const key = deriveKeys(decodeMasterKey('ab'.repeat(32))).sealing;
  it('round-trips and never contains the plaintext', () => {
    const sealed = seal(key, 'private key material');
    assert.ok(!sealed.includes('private'));
    assert.equal(unseal(key, sealed), 'private key material');
    assert.notEqual(seal(key, 'x'), seal(key, 'x'), 'random IV');
  });
  it('detects tampering and a wrong key', () => {
    const sealed = seal(key, 'secret');
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[14] = raw[14]! ^ 1;
    assert.throws(() => unseal(key, `v1.${raw.toString('base64url')}`));
    assert.throws(() => unseal(deriveKeys(decodeMasterKey('cd'.repeat(32))).sealing, sealed));
  });
  it('refuses master keys under 32 bytes', () => {
    assert.throws(() => decodeMasterKey('abcd'));
  });
});

describe('password hashing (scrypt)', () => {
  it('verifies the right password only, with a salted encoding', async () => {
    const a = await hashPassword('correct horse', 1024);
    const b = await hashPassword('correct horse', 1024);
    assert.match(a, /^scrypt\$1024\$8\$1\$/);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('correct horse', a, 1024), true);
    assert.equal(await verifyPassword('correct horsf', a, 1024), false);
    assert.equal(await verifyPassword('anything', null, 1024), false);
    assert.equal(await verifyPassword('anything', 'garbage', 1024), false);
  });
});

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({}, '/srv/tessera');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.deepEqual(config.database, { kind: 'sqlite', file: '/srv/tessera/data/tessera.db' });
    assert.equal(config.secureCookies, false);
  });
  it('parses the three DATABASE_URL forms', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:rel/x.db', '/d', '/cwd'), { kind: 'sqlite', file: path.resolve('/cwd', 'rel/x.db') });
    assert.deepEqual(parseDatabaseUrl('sqlite:///abs/x.db', '/d', '/cwd'), { kind: 'sqlite', file: '/abs/x.db' });
    assert.deepEqual(parseDatabaseUrl('postgres://u@h:5432/db', '/d', '/cwd'), { kind: 'postgres', url: 'postgres://u@h:5432/db' });
    assert.throws(() => parseDatabaseUrl('mysql://x', '/d', '/cwd'), ConfigError);
  });
  it('refuses bad values with a message naming the variable', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(() => loadConfig({ PUBLIC_URL: 'ftp://x' }), /PUBLIC_URL/);
    assert.throws(() => loadConfig({ PUBLIC_URL: 'https://x/?q=1' }), /PUBLIC_URL/);
    assert.equal(loadConfig({ PUBLIC_URL: 'https://id.example.com/' }).secureCookies, true);
    assert.equal(loadConfig({ PUBLIC_URL: 'https://id.example.com/' }).publicUrl, 'https://id.example.com');
  });
});
