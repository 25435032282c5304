import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../src/config.js';
import { decodePrivateKey, decrypt, EcdhError, encrypt, generateKeyPair, publicKeyOf, sharedKey } from '../../src/service/ecdh.js';

// The test vector of issue 6 (and reference/1kosmos-eam.md §1.4).
const A_PRIVATE = 'ERERERERERERERERERERERERERERERERERERERERERE=';
const B_PRIVATE = 'IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=';
const A_PUBLIC = 'TzVb3LfMCvco7zzOuWFdkGhLtbLKX4WasPC3BAdYcao4W2sbjq2AnKZ0VNloP88roDRW1v4sSr4rB/D727LxwQ==';
const B_PUBLIC = 'Rm1/yuVj5csJoNGHC7WANEgEYXh5oUlJzyIoXxuuPydnKBdsPGQx+O7aRTjcN8hl4nhPOp530ETzPkB3l+Enig==';
const SHARED = 'd+BRDVBC4vXp5ZyXe4Hu7VkM99IMHFHaRRqOqp/cRf8=';
const IV = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const PLAINTEXT = '{"ts":1700000000,"appid":"com.example.app","uuid":"123e4567-e89b-12d3-a456-426614174000"}';
const CIPHERTEXT =
  'AAECAwQFBgcICQoLDA0ODy1G0lMbO1hir/9hm+HhTUsys03/WfDWjL+csMnF2phR9pPC94JI0Ddpmx0SW1U6GnSQIYErwJxK2m9dLIQqvJVeuZdYnkOM/+PjW3tIo0msZIylxn6WbcR0IyCC8qmyQNSRQtKHUcUMGA==';

describe('service ECDH encryption (the client libraries\' "ECDSA")', () => {
  it('derives A\'s public key and the shared key both ways, byte for byte', () => {
    assert.equal(publicKeyOf(A_PRIVATE, 'secp256k1'), A_PUBLIC);
    assert.equal(publicKeyOf(B_PRIVATE, 'secp256k1'), B_PUBLIC);
    assert.equal(sharedKey(A_PRIVATE, B_PUBLIC, 'secp256k1').toString('base64'), SHARED);
    assert.equal(sharedKey(B_PRIVATE, A_PUBLIC, 'secp256k1').toString('base64'), SHARED);
  });

  it('encrypts the vector with the fixed IV to the exact ciphertext, and decrypts it', () => {
    const key = Buffer.from(SHARED, 'base64');
    assert.equal(encrypt(PLAINTEXT, key, IV), CIPHERTEXT);
    assert.equal(decrypt(CIPHERTEXT, key), PLAINTEXT);
  });

  it('uses a fresh random IV by default and round-trips', () => {
    const key = Buffer.from(SHARED, 'base64');
    const one = encrypt('hello ✓', key);
    const two = encrypt('hello ✓', key);
    assert.notEqual(one, two);
    assert.equal(decrypt(one, key), 'hello ✓');
    assert.equal(Buffer.from(one, 'base64').length, 16 + Buffer.byteLength('hello ✓') + 16);
  });

  it('generated pairs agree on the shared key', () => {
    const a = generateKeyPair('secp256k1');
    const b = generateKeyPair('secp256k1');
    assert.equal(Buffer.from(a.privateKey, 'base64').length, 32);
    assert.equal(Buffer.from(a.publicKey, 'base64').length, 64);
    assert.deepEqual(sharedKey(a.privateKey, b.publicKey, 'secp256k1'), sharedKey(b.privateKey, a.publicKey, 'secp256k1'));
  });

  it('normalises 31- and 33-byte private keys (Go and Java forms)', () => {
    const scalar = Buffer.alloc(32, 0x11);
    const withSign = Buffer.concat([Buffer.from([0]), scalar]).toString('base64');
    assert.equal(publicKeyOf(withSign, 'secp256k1'), A_PUBLIC);
    const leadingZero = Buffer.alloc(32, 0x33);
    leadingZero[0] = 0;
    const stripped = leadingZero.subarray(1).toString('base64');
    assert.deepEqual(decodePrivateKey(stripped), leadingZero);
    assert.throws(() => decodePrivateKey(Buffer.concat([Buffer.from([1]), scalar]).toString('base64')), EcdhError);
  });

  it('refuses malformed keys with EcdhError', () => {
    const bad = [
      () => publicKeyOf('', 'secp256k1'),
      () => publicKeyOf('not base64!', 'secp256k1'),
      () => publicKeyOf(Buffer.alloc(20, 1).toString('base64'), 'secp256k1'),
      () => publicKeyOf(Buffer.alloc(32, 0).toString('base64'), 'secp256k1'),
      () => publicKeyOf(Buffer.alloc(32, 0xff).toString('base64'), 'secp256k1'), // ≥ the group order
      () => sharedKey(A_PRIVATE, Buffer.alloc(64, 1).toString('base64'), 'secp256k1'), // not on the curve
      () => sharedKey(A_PRIVATE, Buffer.alloc(65, 4).toString('base64'), 'secp256k1'), // wrong length
      () => sharedKey(A_PRIVATE, 'A'.repeat(500), 'secp256k1'),
      () => sharedKey(A_PRIVATE, A_PUBLIC.replace(/=+$/, ''), 'secp256k1'), // unpadded
    ];
    for (const attempt of bad) assert.throws(attempt, EcdhError);
  });

  it('refuses malformed, altered, truncated and oversized ciphertexts', () => {
    const key = Buffer.from(SHARED, 'base64');
    const raw = Buffer.from(CIPHERTEXT, 'base64');
    const flipped = Buffer.from(raw);
    flipped[20]! ^= 1;
    const cases = [
      flipped.toString('base64'),
      raw.subarray(0, 31).toString('base64'),
      raw.subarray(0, raw.length - 1).toString('base64'),
      'not base64',
      '',
      encrypt('x'.repeat(70 * 1024), key),
    ];
    for (const message of cases) assert.throws(() => decrypt(message, key), EcdhError);
    const wrongKey = Buffer.alloc(32, 7);
    assert.throws(() => decrypt(CIPHERTEXT, wrongKey), /could not be decrypted/);
    assert.throws(() => decrypt(CIPHERTEXT, key, 'requestid', 64), /requestid is too long/);
  });

  it('works on P-256 (prime256v1) when a deployment configures it', () => {
    const a = generateKeyPair('prime256v1');
    const b = generateKeyPair('prime256v1');
    const key = sharedKey(a.privateKey, b.publicKey, 'prime256v1');
    assert.deepEqual(key, sharedKey(b.privateKey, a.publicKey, 'prime256v1'));
    assert.equal(decrypt(encrypt('p-256', key), key), 'p-256');
    // A secp256k1 point is not on P-256.
    assert.throws(() => sharedKey(a.privateKey, A_PUBLIC, 'prime256v1'), EcdhError);
  });
});

describe('service API configuration', () => {
  it('reads the curve, time span, switches and service directory, refusing bad values by name', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://id.example' });
    assert.deepEqual(config.serviceApi, { curve: 'secp256k1', allowedTimeSpan: 60, plainAuth: true, ecdsaHelper: true, directory: { oauth2: 'https://id.example/oauth2' } });
    const custom = loadConfig({ PUBLIC_URL: 'https://id.example', EC_CURVE_NAME: 'P-256', SERVICE_ALLOWED_TIME_SPAN: '30', SERVICE_DIRECTORY: '{"licenses":"https://l.example/licenses","oauth2":"https://ignored.example"}' });
    assert.equal(custom.serviceApi.curve, 'prime256v1');
    assert.equal(custom.serviceApi.allowedTimeSpan, 30);
    assert.deepEqual(custom.serviceApi.directory, { licenses: 'https://l.example/licenses', oauth2: 'https://id.example/oauth2' });
    const bad: [Record<string, string>, RegExp][] = [
      [{ EC_CURVE_NAME: 'ed25519' }, /EC_CURVE_NAME/],
      [{ SERVICE_ALLOWED_TIME_SPAN: '0' }, /SERVICE_ALLOWED_TIME_SPAN/],
      [{ SERVICE_DIRECTORY: '[1]' }, /SERVICE_DIRECTORY/],
      [{ SERVICE_DIRECTORY: '{"x":"javascript:alert(1)"}' }, /SERVICE_DIRECTORY: x/],
      [{ SERVICE_ECDSA_HELPER: 'maybe' }, /SERVICE_ECDSA_HELPER/],
    ];
    for (const [env, message] of bad) assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
  });
});
