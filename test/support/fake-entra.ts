/**
 * A fake Microsoft Entra ID on 127.0.0.1 for EAM tests: the common v2.0 metadata (issuer template with
 * `{tenantid}`), a JWKS with its own RSA keys, and id_token_hints signed the way Entra signs them (RS256, issued
 * already expired). Keys can be rotated to test refetching on an unknown `kid`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface FakeEntra {
  metadataUrl: string;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** A hint for a user of tenant `tid`, issued `age` seconds before `now` (its exp is before its iat, as Entra does). */
  hint(input: { tid: string; aud: string; now: number; age?: number; claims?: JWTPayload; alg?: 'RS256' | 'PS256'; key?: 'current' | 'stranger' }): Promise<string>;
  /** A new signing key, published at once (the old one stays published). */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' } };
}

export async function startFakeEntra(): Promise<FakeEntra> {
  const keys: Key[] = [await newKey()];
  const stranger = await newKey();
  let fetches = 0;
  let origin = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/common/v2.0/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ issuer: `${origin}/{tenantid}/v2.0`, jwks_uri: `${origin}/common/discovery/v2.0/keys`, id_token_signing_alg_values_supported: ['RS256'] }),
      );
    } else if (path === '/common/discovery/v2.0/keys') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    metadataUrl: `${origin}/common/v2.0/.well-known/openid-configuration`,
    jwksFetches: () => fetches,
    async hint({ tid, aud, now, age = 5, claims = {}, alg = 'RS256', key = 'current' }) {
      const signer = key === 'stranger' ? stranger : keys.at(-1)!;
      const iat = now - age;
      return new SignJWT({
        ver: '2.0',
        iss: `${origin}/${tid}/v2.0`,
        aud,
        tid,
        oid: randomUUID(),
        sub: `pairwise-${randomUUID()}`,
        preferred_username: 'alice@contoso.example',
        iat,
        nbf: iat,
        exp: iat - 1,
        ...claims,
      })
        .setProtectedHeader({ alg, kid: signer.kid, typ: 'JWT' })
        .sign(alg === 'PS256' ? (await generateKeyPair('PS256')).privateKey : signer.privateKey);
    },
    async rotate() {
      keys.push(await newKey());
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
