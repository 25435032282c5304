/**
 * Signing keys per community: an ES256 and an RS256 key generated with the community (and again at each rotation,
 * see key-rotation.ts and rotate.ts), private halves sealed at rest, `kid` = RFC 7638 thumbprint. JWKS carries public
 * members only, with `kid`, `use`, `alg`, and `x5c`: a self-signed certificate of the key (certificate.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { seal, unseal } from './sealing.js';
import type { SigningAlg, SigningKey } from './jws-sign.js';
import { isPublished, keyStates, nextTransition, type KeyState } from './key-rotation.js';
import { selfSignedCertificate } from './certificate.js';

export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

export interface StoredSigningKey {
  kid: string;
  alg: string;
  public_jwk: string;
  private_key: string;
  /** Legacy column, always 'active': what a key does follows from the two times below (key-rotation.ts). */
  status: string;
  created_at: number;
  /** Epoch seconds from which the key signs (until a newer key activates). */
  activates_at: number;
  /** Epoch seconds from which a superseded key is no longer published; null while nothing superseded it. */
  retires_at: number | null;
}

export interface PublicSigningKey {
  kid: string;
  alg: SigningAlg;
  state: KeyState;
  publicKey: KeyObject;
  jwk: JWK;
}

export interface CommunityKeys {
  /** The key that signs new tokens, per algorithm (the ACTIVE one). */
  active: Record<SigningAlg, SigningKey>;
  /** Every published key (NEXT, ACTIVE and RETIRING), for verification and JWKS. */
  published: PublicSigningKey[];
  /** Epoch seconds at which some key changes state: what was loaded must be loaded again then (Infinity: never). */
  validUntil: number;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Off the event loop (RSA key generation takes a while): a rotation on a serving node does not stall requests. */
async function generatePrivateKey(alg: SigningAlg): Promise<KeyObject> {
  const pair = alg === 'ES256' ? await generateKeyPairAsync('ec', { namedCurve: 'P-256' }) : await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return pair.privateKey;
}

/** A new key, created at `now`, activating at `activatesAt` (default: at once). */
export async function generateSigningKey(alg: SigningAlg, sealingKey: Buffer, now: number, activatesAt: number = now): Promise<StoredSigningKey> {
  const privateKey = await generatePrivateKey(alg);
  const publicKey = createPublicKey(privateKey);
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwk: JWK = { ...publicJwk, kid, use: 'sig', alg, x5c: [await selfSignedCertificate(alg, privateKey, publicKey, kid, now)] };
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    kid,
    alg,
    public_jwk: JSON.stringify(jwk),
    private_key: seal(sealingKey, pem),
    status: 'active',
    created_at: now,
    activates_at: activatesAt,
    retires_at: null,
  };
}

function isSigningAlg(alg: string): alg is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(alg);
}

/**
 * Turns stored rows into usable keys at `now` (see key-rotation.ts): the ACTIVE key per algorithm signs; NEXT, ACTIVE
 * and RETIRING keys are published, newest first (an order every node computes alike, so JWKS bytes and ETags agree).
 */
export function loadCommunityKeys(rows: readonly StoredSigningKey[], sealingKey: Buffer, now: number): CommunityKeys {
  const usable = rows.filter((row) => isSigningAlg(row.alg));
  const states = keyStates(usable, now);
  const active: Partial<Record<SigningAlg, SigningKey>> = {};
  const published: PublicSigningKey[] = [];
  const ordered = [...usable].sort(
    (a, b) => b.activates_at - a.activates_at || b.created_at - a.created_at || a.alg.localeCompare(b.alg) || a.kid.localeCompare(b.kid),
  );
  for (const row of ordered) {
    const state = states.get(row.kid)!;
    if (!isPublished(state)) continue;
    const alg = row.alg as SigningAlg;
    const jwk = JSON.parse(row.public_jwk) as JWK;
    const publicKey = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    published.push({ kid: row.kid, alg, state, publicKey, jwk });
    if (state === 'active') active[alg] = { kid: row.kid, alg, privateKey: createPrivateKey(unseal(sealingKey, row.private_key)) };
  }
  for (const alg of SIGNING_ALGS) {
    if (!active[alg]) throw new Error(`community has no active ${alg} signing key`);
  }
  return { active: active as Record<SigningAlg, SigningKey>, published, validUntil: nextTransition(usable, now) };
}

export function jwksDocument(keys: CommunityKeys): { keys: JWK[] } {
  return { keys: keys.published.map((k) => k.jwk) };
}

/** The stored public JWK with an `x5c` added, for a key made before certificates were (undefined: it has one). */
export async function withCertificate(row: StoredSigningKey, sealingKey: Buffer, now: number): Promise<string | undefined> {
  const jwk = JSON.parse(row.public_jwk) as JWK;
  if (jwk.x5c !== undefined || !isSigningAlg(row.alg)) return undefined;
  const privateKey = createPrivateKey(unseal(sealingKey, row.private_key));
  return JSON.stringify({ ...jwk, x5c: [await selfSignedCertificate(row.alg, privateKey, createPublicKey(privateKey), row.kid, now)] });
}
