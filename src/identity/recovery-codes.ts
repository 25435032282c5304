/**
 * Recovery codes: ten one-time codes shown once when TOTP is enrolled (and when regenerated), for a lost
 * authenticator. Each is 50 random bits (ten base32 characters, shown as `xxxxx-xxxxx`), stored as an HMAC with the
 * secret-hashing key, and spent by one atomic update (store/second-factors.ts).
 */
import { randomBytes } from 'node:crypto';
import { hmacSha256 } from '../keys/secrets.js';
import { replaceRecoveryCodes, useRecoveryCode } from '../store/second-factors.js';
import type { Provider } from '../runtime/provider.js';

const COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function normalize(code: string): string {
  return code.toLowerCase().replace(/[^a-z2-7]/g, '');
}

function hash(provider: Provider, code: string): string {
  return hmacSha256(provider.secrets.secretHashing, `recovery:${normalize(code)}`);
}

function newCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => ALPHABET[b & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** New codes for the user (the old ones stop working); returned in clear once, for the page that shows them. */
export async function regenerateRecoveryCodes(provider: Provider, userId: string): Promise<string[]> {
  const codes = Array.from({ length: COUNT }, newCode);
  await replaceRecoveryCodes(provider.db, userId, codes.map((c) => hash(provider, c)), provider.clock.now());
  return codes;
}

/** Spends a recovery code: true once per code. */
export async function spendRecoveryCode(provider: Provider, userId: string, code: string): Promise<boolean> {
  if (normalize(code).length !== 10 || code.length > 40) return false;
  return useRecoveryCode(provider.db, userId, hash(provider, code), provider.clock.now());
}
