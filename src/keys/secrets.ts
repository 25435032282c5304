/** Random tokens, digests and constant-time comparison: the primitives every secret-handling rule uses. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Random bytes are drawn from the CSPRNG 4 KiB at a time (as Node does for randomUUID): one OpenSSL call per 128
// tokens instead of one per token. Bytes handed out are zeroed in the pool.
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/** A URL-safe random token with `bytes` bytes of entropy (default 256 bits). */
export function randomToken(bytes = 32): string {
  if (bytes > 256) return randomBytes(bytes).toString('base64url');
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + bytes);
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return token;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export function hmacSha256(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/** Constant-time string equality (length is not secret). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
