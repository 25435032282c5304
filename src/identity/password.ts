/**
 * User passwords: scrypt (memory-hard), encoded as `scrypt$N$r$p$salt$hash`. Verification is constant-time and
 * always spends one hash, also for unknown users, so timing does not reveal which usernames exist.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEYLEN = 32;
const R = 8;
const P = 1;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEYLEN, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function options(n: number): ScryptOptions {
  return { N: n, r: R, p: P, maxmem: 256 * n * R };
}

export function assertCost(n: number): void {
  if (n < 2 || (n & (n - 1)) !== 0) throw new Error('PASSWORD_HASH_COST must be a power of two');
}

export async function hashPassword(password: string, cost: number): Promise<string> {
  assertCost(cost);
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, options(cost));
  return `scrypt$${cost}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const DUMMY_SALT = randomBytes(16);

export async function verifyPassword(password: string, encoded: string | null, cost: number): Promise<boolean> {
  const parts = encoded?.split('$');
  if (!parts || parts.length !== 6 || parts[0] !== 'scrypt') {
    await scryptAsync(password, DUMMY_SALT, options(cost));
    return false;
  }
  const n = Number(parts[1]);
  const r = Number(parts[2]);
  const p = Number(parts[3]);
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  const actual = await scryptAsync(password, salt, { N: n, r, p, maxmem: 256 * n * r });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
