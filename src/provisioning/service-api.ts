/**
 * The service API part of the provisioning file (issue 6): top-level `licenses` and `service_keys`, and per community
 * `login_ui_url` (an external login UI) and `authenticators` (issuers trusted for proof-of-authentication JWTs, kept
 * in the community's `settings`). Validated with the rest of the file; applied idempotently in the same transaction.
 */
import type { Provider } from '../runtime/provider.js';
import type { Db } from '../store/database.js';
import type { LicenseTable, ServiceKeyTable } from '../store/schema.js';
import { findLicenseByHash, findServiceKeyByTag } from '../store/service-api.js';
import { seal } from '../keys/sealing.js';
import { AUTH_LEVELS, licenseKeyHash, MAX_LICENSE_KEY, MIN_LICENSE_KEY, serviceKeyId, type AuthLevel } from '../service/licenses.js';

export interface LicenseFileSpec {
  key: string;
  tag: string;
  type: string;
  authLevel: AuthLevel;
  community?: string;
  expiry: string | number;
  disabled: boolean;
}

export interface ServiceKeyFileSpec {
  tag: string;
  type: string;
  keySecret: string;
}

export interface AuthenticatorSpec {
  issuer: string;
  jwks?: { keys: Record<string, unknown>[] };
  jwks_uri?: string;
}

/** What a community keeps in its `settings` for the service API. */
export interface CommunityServiceSettings {
  login_ui_url?: string;
  authenticators?: AuthenticatorSpec[];
}

const url = { type: 'string', minLength: 1, maxLength: 2000 };

export const licensesSchema = {
  type: 'array',
  maxItems: 10000,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['key', 'tag', 'authLevel', 'expiry'],
    properties: {
      key: { type: 'string', minLength: MIN_LICENSE_KEY, maxLength: MAX_LICENSE_KEY },
      tag: { type: 'string', minLength: 1, maxLength: 200 },
      type: { type: 'string', minLength: 1, maxLength: 100, default: 'service' },
      authLevel: { enum: [...AUTH_LEVELS] },
      community: { type: 'string', maxLength: 63 },
      expiry: { anyOf: [{ type: 'string', maxLength: 40 }, { type: 'integer', minimum: 0 }] },
      disabled: { type: 'boolean', default: false },
    },
  },
} as const;

export const serviceKeysSchema = {
  type: 'array',
  maxItems: 1000,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['tag', 'keySecret'],
    properties: {
      tag: { type: 'string', minLength: 1, maxLength: 200 },
      type: { type: 'string', minLength: 1, maxLength: 100, default: 'service' },
      keySecret: { type: 'string', minLength: 32, maxLength: MAX_LICENSE_KEY },
    },
  },
} as const;

/** Properties added to a community entry. */
export const communityServiceProperties = {
  login_ui_url: url,
  authenticators: {
    type: 'array',
    maxItems: 20,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['issuer'],
      properties: {
        issuer: url,
        jwks: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'object', required: ['kty'] } } } },
        jwks_uri: url,
      },
    },
  },
} as const;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function httpsUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) && !u.hash && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** Epoch seconds of an ISO 8601 date-time or a number of epoch seconds. */
export function parseExpiry(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

interface ServiceApiFile {
  licenses?: LicenseFileSpec[];
  service_keys?: ServiceKeyFileSpec[];
  communities: ({ name: string } & CommunityServiceSettings)[];
}

/** Rules beyond the JSON schema; throws `fail(path, message)`. */
export function checkServiceApi(file: ServiceApiFile, fail: (at: string, message: string) => never): void {
  const keys = new Set<string>();
  (file.licenses ?? []).forEach((license, i) => {
    const at = `/licenses/${i}`;
    if (keys.has(license.key)) fail(`${at}/key`, 'duplicate license key');
    keys.add(license.key);
    if (parseExpiry(license.expiry) === undefined) fail(`${at}/expiry`, 'must be an ISO 8601 date-time or epoch seconds');
    if (license.authLevel === 'community' && !license.community) fail(`${at}/community`, 'a community license needs a community');
    if (license.authLevel !== 'community' && license.community !== undefined) fail(`${at}/community`, `a ${license.authLevel} license is not bound to a community`);
  });
  const tags = new Set<string>();
  (file.service_keys ?? []).forEach((key, i) => {
    if (tags.has(key.tag)) fail(`/service_keys/${i}/tag`, `duplicate ${JSON.stringify(key.tag)}`);
    tags.add(key.tag);
  });
  file.communities.forEach((community, ci) => {
    const at = `/communities/${ci}`;
    if (community.login_ui_url !== undefined && !httpsUrl(community.login_ui_url)) fail(`${at}/login_ui_url`, 'must be an https URL (http only for a loopback host)');
    const issuers = new Set<string>();
    (community.authenticators ?? []).forEach((a, i) => {
      if (issuers.has(a.issuer)) fail(`${at}/authenticators/${i}/issuer`, 'duplicate issuer');
      issuers.add(a.issuer);
      if (!a.jwks === !a.jwks_uri) fail(`${at}/authenticators/${i}`, 'give either jwks or jwks_uri');
      if (a.jwks_uri !== undefined && !httpsUrl(a.jwks_uri)) fail(`${at}/authenticators/${i}/jwks_uri`, 'must be https');
      a.jwks?.keys.forEach((k, j) => {
        if ('d' in k || 'p' in k || 'k' in k) fail(`${at}/authenticators/${i}/jwks/keys/${j}`, 'must not contain private key members');
      });
    });
  });
}

/** The community's settings with the service API fields of the file (other fields kept as they are). */
export function mergeCommunitySettings(current: string, spec: CommunityServiceSettings): string {
  let settings: Record<string, unknown> = {};
  try {
    settings = JSON.parse(current) as Record<string, unknown>;
  } catch {
    settings = {};
  }
  const { login_ui_url: _ui, authenticators: _auth, ...rest } = settings;
  return JSON.stringify({
    ...rest,
    ...(spec.login_ui_url !== undefined ? { login_ui_url: spec.login_ui_url } : {}),
    ...(spec.authenticators !== undefined && spec.authenticators.length > 0 ? { authenticators: spec.authenticators } : {}),
  });
}

export interface PreparedServiceCredentials {
  created: string[];
  updated: string[];
  unchanged: number;
  write(trx: Db): Promise<void>;
}

/**
 * Licenses are identified by their key (hash): new keys are inserted, changed attributes updated. A service key is
 * identified by its tag: created when absent; replaced when the file's secret changed since the file last set it;
 * kept when only an API reset changed it (a reset must survive the next start with the same file).
 */
export async function prepareServiceCredentials(provider: Provider, file: ServiceApiFile, now: number): Promise<PreparedServiceCredentials> {
  const prepared: PreparedServiceCredentials = { created: [], updated: [], unchanged: 0, write: async () => undefined };
  const licenseRows: { row: LicenseTable; insert: boolean }[] = [];
  for (const spec of file.licenses ?? []) {
    const hash = licenseKeyHash(provider, spec.key);
    const current = await findLicenseByHash(provider.db, hash);
    const row: LicenseTable = {
      key_hash: hash,
      tag: spec.tag,
      type: spec.type,
      auth_level: spec.authLevel,
      community: spec.community ?? null,
      expiry: parseExpiry(spec.expiry)!,
      disabled: spec.disabled ? 1 : 0,
      created_at: current ? Number(current.created_at) : now,
      updated_at: now,
    };
    const same =
      current && current.tag === row.tag && current.type === row.type && current.auth_level === row.auth_level && current.community === row.community && Number(current.expiry) === row.expiry && Number(current.disabled) === row.disabled;
    if (same) {
      prepared.unchanged++;
      continue;
    }
    licenseRows.push({ row, insert: !current });
    (current ? prepared.updated : prepared.created).push(`license/${spec.tag}`);
  }
  const keyRows: { row: ServiceKeyTable; replaces: string | undefined }[] = [];
  for (const spec of file.service_keys ?? []) {
    const id = serviceKeyId(spec.keySecret);
    const current = await findServiceKeyByTag(provider.db, spec.tag);
    if (current && (current.provisioned_id === id || current.key_id === id) && current.type === spec.type) {
      prepared.unchanged++;
      continue;
    }
    if (current && current.provisioned_id === id) {
      // Only the type changed; keep the current (possibly reset) secret.
      keyRows.push({ row: { ...current, type: spec.type }, replaces: current.key_id });
    } else {
      keyRows.push({ row: { key_id: id, tag: spec.tag, type: spec.type, secret_sealed: seal(provider.secrets.sealing, spec.keySecret), provisioned_id: id, created_at: now }, replaces: current?.key_id });
    }
    (current ? prepared.updated : prepared.created).push(`service_key/${spec.tag}`);
  }
  prepared.write = async (trx: Db) => {
    for (const { row, insert } of licenseRows) {
      if (insert) await trx.insertInto('licenses').values(row).execute();
      else {
        const { key_hash, created_at: _c, ...rest } = row;
        await trx.updateTable('licenses').set(rest).where('key_hash', '=', key_hash).execute();
      }
    }
    for (const { row, replaces } of keyRows) {
      if (replaces !== undefined) await trx.deleteFrom('service_keys').where('key_id', '=', replaces).execute();
      await trx.insertInto('service_keys').values(row).execute();
    }
  };
  return prepared;
}
