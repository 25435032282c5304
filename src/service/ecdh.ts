/**
 * The service API's "ECDSA" encryption, reproduced exactly for compatibility with existing client libraries:
 * static-static ECDH on secp256k1 (or the configured curve) → the 32-byte X coordinate used directly as an
 * AES-256-GCM key (no KDF) → `base64(IV[16] ‖ ciphertext ‖ tag[16])`, no associated data, UTF-8 plaintext.
 * Keys travel as base64: a private key is the 32-byte scalar (31–33 bytes accepted and normalised), a public key is
 * the 64-byte uncompressed point without its leading 0x04. Everything is validated and size-capped here; the
 * arithmetic is Node's own crypto. Confined to this legacy channel: never used for token signing.
 */
import { createCipheriv, createDecipheriv, createECDH, randomBytes } from 'node:crypto';

export const EC_CURVES = ['secp256k1', 'prime256v1'] as const;
export type EcCurve = (typeof EC_CURVES)[number];

const COORDINATE = 32;
const IV_BYTES = 16;
const TAG_BYTES = 16;
/** Largest message (decoded bytes) accepted by default: headers and helper bodies are far smaller. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** A key or message that cannot be used; the message is safe to show to the caller (never contains the input). */
export class EcdhError extends Error {}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (padded); anything else is refused rather than silently skipped by Buffer.from. */
function decodeBase64(value: string, what: string, maxChars: number): Buffer {
  if (typeof value !== 'string' || value.length === 0) throw new EcdhError(`${what} is missing`);
  if (value.length > maxChars) throw new EcdhError(`${what} is too long`);
  if (!BASE64.test(value)) throw new EcdhError(`${what} is not valid base64`);
  return Buffer.from(value, 'base64');
}

/** The 32-byte scalar of a base64 private key (leading zero bytes stripped, left-padded to 32). */
export function decodePrivateKey(value: string): Buffer {
  const raw = decodeBase64(value, 'privateKey', 64);
  if (raw.length < 31 || raw.length > 33) throw new EcdhError('privateKey must encode a 32-byte scalar');
  let start = 0;
  while (start < raw.length && raw[start] === 0) start++;
  const significant = raw.subarray(start);
  if (significant.length === 0) throw new EcdhError('privateKey is not valid for the curve');
  if (significant.length > COORDINATE) throw new EcdhError('privateKey must encode a 32-byte scalar');
  const scalar = Buffer.alloc(COORDINATE);
  significant.copy(scalar, COORDINATE - significant.length);
  return scalar;
}

/** The SEC1 uncompressed point (0x04 ‖ X ‖ Y) of a base64 64-byte public key. Curve membership is checked on use. */
export function decodePublicKey(value: string): Buffer {
  const raw = decodeBase64(value, 'publicKey', 100);
  if (raw.length !== 2 * COORDINATE) throw new EcdhError('publicKey must encode a 64-byte uncompressed point (X ‖ Y)');
  return Buffer.concat([Buffer.from([4]), raw]);
}

function ecdhFor(privateKey: string, curve: EcCurve) {
  const ecdh = createECDH(curve);
  try {
    ecdh.setPrivateKey(decodePrivateKey(privateKey));
  } catch (err) {
    if (err instanceof EcdhError) throw err;
    throw new EcdhError('privateKey is not valid for the curve');
  }
  return ecdh;
}

export interface KeyPair {
  /** base64 32-byte scalar */
  privateKey: string;
  /** base64 64-byte point without 0x04 */
  publicKey: string;
}

export function generateKeyPair(curve: EcCurve): KeyPair {
  const ecdh = createECDH(curve);
  ecdh.generateKeys();
  const scalar = Buffer.alloc(COORDINATE);
  const raw = ecdh.getPrivateKey();
  raw.copy(scalar, COORDINATE - raw.length);
  return { privateKey: scalar.toString('base64'), publicKey: ecdh.getPublicKey(null, 'uncompressed').subarray(1).toString('base64') };
}

/** The public key (64-byte form) of a private key. */
export function publicKeyOf(privateKey: string, curve: EcCurve): string {
  return ecdhFor(privateKey, curve).getPublicKey(null, 'uncompressed').subarray(1).toString('base64');
}

/** The shared AES-256 key: X of ECDH(myPrivate, theirPublic), 32 bytes fixed width. */
export function sharedKey(privateKey: string, publicKey: string, curve: EcCurve): Buffer {
  const ecdh = ecdhFor(privateKey, curve);
  const point = decodePublicKey(publicKey);
  try {
    // computeSecret refuses a point that is not on the curve.
    const secret = ecdh.computeSecret(point);
    if (secret.length === COORDINATE) return secret;
    const padded = Buffer.alloc(COORDINATE);
    secret.copy(padded, COORDINATE - secret.length);
    return padded;
  } catch {
    throw new EcdhError('publicKey is not a point on the curve');
  }
}

/** `base64(IV ‖ ciphertext ‖ tag)`; `iv` only for test vectors (16 random bytes otherwise). */
export function encrypt(plaintext: string, key: Buffer, iv: Buffer = randomBytes(IV_BYTES)): string {
  if (key.length !== COORDINATE) throw new EcdhError('the shared key must be 32 bytes');
  if (iv.length !== IV_BYTES) throw new EcdhError('the IV must be 16 bytes');
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** The UTF-8 plaintext of a message, or EcdhError when it is malformed, too large, or its tag does not verify. */
export function decrypt(message: string, key: Buffer, what = 'the encrypted value', maxBytes = MAX_MESSAGE_BYTES): string {
  if (key.length !== COORDINATE) throw new EcdhError('the shared key must be 32 bytes');
  const raw = decodeBase64(message, what, Math.ceil(maxBytes / 3) * 4 + 4);
  if (raw.length < IV_BYTES + TAG_BYTES) throw new EcdhError(`${what} is too short`);
  if (raw.length > maxBytes) throw new EcdhError(`${what} is too long`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw new EcdhError(`${what} could not be decrypted (wrong key or altered data)`);
  }
}
