/**
 * Compact JWS signing on the token hot path with node:crypto directly (measured ~1.8× faster than jose's sign here).
 * Only ES256 and RS256. Everything else JOSE (verification, key import, JWKS) uses jose; tests verify this
 * module's output with jose.
 *
 * Signatures asked for in the same event-loop turn are made together, one after the other, on the next turn
 * (`signJwt`). Under load that is every request read in one poll: the EC/RSA code and its precomputed tables stay
 * in the CPU caches across the batch instead of being evicted by the HTTP work in between, which measured here
 * halves the CPU cost of a signature in the server (about 55 µs → 28 µs for ES256). With one request in flight the
 * batch is that one request, signed on the next turn.
 */
import { sign, type KeyObject } from 'node:crypto';

export type SigningAlg = 'ES256' | 'RS256';

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
}

/** `header.payload` of a compact JWS. */
function signingInput(key: SigningKey, payload: object, typ: string): string {
  const header = Buffer.from(JSON.stringify({ alg: key.alg, typ, kid: key.kid })).toString('base64url');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
}

function signature(key: SigningKey, input: string): string {
  const data = Buffer.from(input);
  const bytes = key.alg === 'ES256' ? sign('sha256', data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) : sign('sha256', data, key.privateKey);
  return bytes.toString('base64url');
}

interface Pending {
  key: SigningKey;
  input: string;
  resolve(jwt: string): void;
  reject(err: unknown): void;
}

let pending: Pending[] = [];

function signPending(): void {
  const batch = pending;
  pending = [];
  for (const item of batch) {
    try {
      item.resolve(`${item.input}.${signature(item.key, item.input)}`);
    } catch (err) {
      item.reject(err);
    }
  }
}

/** Signs on the next event-loop turn, together with every other signature asked for in this one. */
export function signJwt(key: SigningKey, payload: object, typ = 'JWT'): Promise<string> {
  const input = signingInput(key, payload, typ);
  return new Promise((resolve, reject) => {
    if (pending.length === 0) setImmediate(signPending);
    pending.push({ key, input, resolve, reject });
  });
}
