/**
 * Service API licenses and service keys. A license authorises a caller of the service API: its level
 * (system > service > community), its community (community level), its expiry and whether it is disabled. The key
 * itself is never stored: a license is found by the HMAC of its key. A service key is a keyId/keySecret pair whose
 * key id is the SHA-512 hex of its secret (the client libraries' convention); its secret is kept sealed because
 * GET /oauth2/servicekeys returns it to system licenses.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hmacSha256, safeEqual } from '../keys/secrets.js';
import { seal } from '../keys/sealing.js';
import type { Provider } from '../runtime/provider.js';
import type { LicenseTable, ServiceKeyTable } from '../store/schema.js';
import { findLicenseByHash, findServiceKey, insertLicense } from '../store/service-api.js';

export const AUTH_LEVELS = ['system', 'service', 'community'] as const;
export type AuthLevel = (typeof AUTH_LEVELS)[number];
export const MIN_LICENSE_KEY = 32;
export const MAX_LICENSE_KEY = 512;

export interface License {
  tag: string;
  type: string;
  authLevel: AuthLevel;
  community: string | null;
  /** epoch seconds */
  expiry: number;
  disabled: boolean;
}

export function licenseKeyHash(provider: Pick<Provider, 'secrets'>, key: string): string {
  return hmacSha256(provider.secrets.secretHashing, key);
}

/** The key id of a service key: SHA-512 of the secret, lower-case hex. */
export function serviceKeyId(secret: string): string {
  return createHash('sha512').update(secret, 'utf8').digest('hex');
}

function toLicense(row: LicenseTable): License {
  return {
    tag: row.tag,
    type: row.type,
    authLevel: (AUTH_LEVELS as readonly string[]).includes(row.auth_level) ? (row.auth_level as AuthLevel) : 'community',
    community: row.community,
    expiry: Number(row.expiry),
    disabled: Number(row.disabled) === 1,
  };
}

/** The license with this key, whatever its state (expiry and disabled are checked by the caller). */
export async function findLicense(provider: Provider, key: string): Promise<License | undefined> {
  if (key.length < MIN_LICENSE_KEY || key.length > MAX_LICENSE_KEY) return undefined;
  const row = await findLicenseByHash(provider.db, licenseKeyHash(provider, key));
  return row ? toLicense(row) : undefined;
}

/** The service key named by keyId when `secret` is its secret (SHA-512 hex compared in constant time). */
export async function verifyServiceKey(provider: Provider, keyId: string, secret: string): Promise<ServiceKeyTable | undefined> {
  if (!/^[0-9a-f]{128}$/.test(keyId) || secret.length === 0 || secret.length > MAX_LICENSE_KEY) return undefined;
  const matches = safeEqual(serviceKeyId(secret), keyId);
  const row = await findServiceKey(provider.db, keyId);
  return matches && row ? row : undefined;
}

/** A new random service key row for the tag and type (the secret is returned once, in `secret`). */
export function newServiceKey(provider: Provider, tag: string, type: string, now: number, provisionedId: string | null = null): { row: ServiceKeyTable; secret: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, row: { key_id: serviceKeyId(secret), tag, type, secret_sealed: seal(provider.secrets.sealing, secret), provisioned_id: provisionedId, created_at: now } };
}

export interface LicenseSpec {
  key?: string;
  tag: string;
  type: string;
  authLevel: AuthLevel;
  community?: string;
  expiry: number;
  disabled?: boolean;
}

export class LicenseError extends Error {}

/** Creates a license (`tessera license create`); returns its key, which is shown once and never stored. */
export async function createLicense(provider: Provider, spec: LicenseSpec): Promise<string> {
  const key = spec.key ?? `lic-${randomBytes(32).toString('base64url')}`;
  if (key.length < MIN_LICENSE_KEY) throw new LicenseError(`a license key must be at least ${MIN_LICENSE_KEY} characters`);
  if (key.length > MAX_LICENSE_KEY) throw new LicenseError(`a license key must be at most ${MAX_LICENSE_KEY} characters`);
  if (spec.authLevel === 'community' && !spec.community) throw new LicenseError('a community license needs a community');
  if (spec.authLevel !== 'community' && spec.community) throw new LicenseError(`a ${spec.authLevel} license is not bound to a community`);
  const now = provider.clock.now();
  const hash = licenseKeyHash(provider, key);
  if (await findLicenseByHash(provider.db, hash)) throw new LicenseError('a license with this key already exists');
  await insertLicense(provider.db, {
    key_hash: hash,
    tag: spec.tag,
    type: spec.type,
    auth_level: spec.authLevel,
    community: spec.community ?? null,
    expiry: spec.expiry,
    disabled: spec.disabled ? 1 : 0,
    created_at: now,
    updated_at: now,
  });
  return key;
}
