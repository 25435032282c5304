/**
 * Signing keys per community: an ES256 and an RS256 key generated with the community, private halves sealed at rest,
 * `kid` = RFC 7638 thumbprint. JWKS carries public members only, with `kid`, `use`, `alg`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { seal, unseal } from './sealing.js';
import type { SigningAlg, SigningKey } from './jws-sign.js';

export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

export interface StoredSigningKey {
  kid: string;
  alg: string;
  public_jwk: string;
  private_key: string;
  status: string;
  created_at: number;
}

export interface PublicSigningKey {
  kid: string;
  alg: SigningAlg;
  publicKey: KeyObject;
  jwk: JWK;
}

export interface CommunityKeys {
  /** The key that signs new tokens, per algorithm. */
  active: Record<SigningAlg, SigningKey>;
  /** Every published key (active and retiring), for verification and JWKS. */
  published: PublicSigningKey[];
}

function generatePrivateKey(alg: SigningAlg): KeyObject {
  return alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}

export async function generateSigningKey(alg: SigningAlg, sealingKey: Buffer, now: number): Promise<StoredSigningKey> {
  const privateKey = generatePrivateKey(alg);
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwk: JWK = { ...publicJwk, kid, use: 'sig', alg };
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { kid, alg, public_jwk: JSON.stringify(jwk), private_key: seal(sealingKey, pem), status: 'active', created_at: now };
}

function isSigningAlg(alg: string): alg is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(alg);
}

/** Turns stored rows into usable keys; the newest active key per algorithm signs. */
export function loadCommunityKeys(rows: readonly StoredSigningKey[], sealingKey: Buffer): CommunityKeys {
  const active: Partial<Record<SigningAlg, SigningKey>> = {};
  const published: PublicSigningKey[] = [];
  const newestFirst = [...rows].sort((a, b) => b.created_at - a.created_at);
  for (const row of newestFirst) {
    if (!isSigningAlg(row.alg)) continue;
    const jwk = JSON.parse(row.public_jwk) as JWK;
    const publicKey = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    published.push({ kid: row.kid, alg: row.alg, publicKey, jwk });
    if (row.status === 'active' && !active[row.alg]) {
      active[row.alg] = { kid: row.kid, alg: row.alg, privateKey: createPrivateKey(unseal(sealingKey, row.private_key)) };
    }
  }
  for (const alg of SIGNING_ALGS) {
    if (!active[alg]) throw new Error(`community has no active ${alg} signing key`);
  }
  return { active: active as Record<SigningAlg, SigningKey>, published };
}

export function jwksDocument(keys: CommunityKeys): { keys: JWK[] } {
  return { keys: keys.published.map((k) => k.jwk) };
}
