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
  /** Entra's redirect URI on the fake (`…/common/federation/externalauthprovider`): records what is POSTed to it. */
  callbackUrl: string;
  /** The form bodies POSTed to callbackUrl, in order. */
  responses: Record<string, string>[];
  /** A page of the fake that auto-submits `form` to `action` by POST, as Entra's page does; returns its URL. */
  formPage(action: string, form: Record<string, string>): string;
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
  const responses: Record<string, string>[] = [];
  const pages = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/common/federation/externalauthprovider' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        responses.push(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString())));
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Entra</title><h1>Entra received the answer</h1>');
      });
    } else if (path !== undefined && pages.has(path)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pages.get(path));
    } else if (path === '/common/v2.0/.well-known/openid-configuration') {
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
    get callbackUrl() {
      return `${origin}/common/federation/externalauthprovider`;
    },
    responses,
    formPage(action, form) {
      const path = `/page/${randomUUID()}`;
      const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
      const inputs = Object.entries(form).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
      pages.set(path, `<!doctype html><title>Microsoft</title><form method="post" action="${esc(action)}">${inputs}</form><script>document.forms[0].submit()</script>`);
      return `${origin}${path}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
