import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { signJwt } from '../../src/keys/jws-sign.js';

describe('node:crypto JWS signer (the hot-path exception), verified with jose', () => {
  for (const alg of ['ES256', 'RS256'] as const) {
    it(`${alg} output verifies with jose and carries alg, typ, kid`, async () => {
      const { privateKey, publicKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwt = await signJwt({ kid: 'k1', alg, privateKey }, { sub: 'u1', iss: 'https://issuer.example', exp: Math.floor(Date.now() / 1000) + 60 }, 'at+jwt');
      const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { algorithms: [alg], issuer: 'https://issuer.example', typ: 'at+jwt' });
      assert.equal(payload.sub, 'u1');
      assert.deepEqual(protectedHeader, { alg, typ: 'at+jwt', kid: 'k1' });
    });
  }

  it('a tampered payload fails verification', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwt = await signJwt({ kid: 'k1', alg: 'ES256', privateKey }, { sub: 'u1' });
    const [h, , s] = jwt.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')}.${s}`;
    await assert.rejects(jwtVerify(forged, publicKey));
    assert.equal(decodeProtectedHeader(jwt).typ, 'JWT');
  });

  it('signatures asked for together are made together, each verifies, and a failing one fails alone', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = { kid: 'k1', alg: 'ES256' as const, privateKey };
    // An Ed25519 key cannot make an ES256 (SHA-256 digest) signature: that promise rejects, the others still resolve.
    const broken = { kid: 'k2', alg: 'ES256' as const, privateKey: generateKeyPairSync('ed25519').privateKey };
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => signJwt(key, { sub: `u${i}` })),
      signJwt(broken, { sub: 'x' }),
      signJwt({ kid: 'k3', alg: 'RS256', privateKey: rsa.privateKey }, { sub: 'rsa' }),
    ]);
    assert.equal(results[20]!.status, 'rejected');
    for (const [i, result] of results.entries()) {
      if (i === 20) continue;
      assert.equal(result.status, 'fulfilled');
      const jwt = (result as PromiseFulfilledResult<string>).value;
      const { payload } = await jwtVerify(jwt, i === 21 ? rsa.publicKey : publicKey);
      assert.equal(payload.sub, i === 21 ? 'rsa' : `u${i}`);
    }
  });
});
