/**
 * Upstream provider metadata (OpenID Connect Discovery 1.0): `{issuer}/.well-known/openid-configuration`, fetched
 * with a 5 s timeout and cached for an hour per provider process, together with a jose remote JWKS for its
 * `jwks_uri` (which caches and refreshes the keys itself, also with a 5 s timeout). A failed fetch is not cached.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Provider } from '../../runtime/provider.js';
import { UpstreamLoginError } from './errors.js';

export const METADATA_TTL_SECONDS = 3600;
export const UPSTREAM_TIMEOUT_MS = 5000;

export interface UpstreamMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  authorization_response_iss_parameter_supported?: boolean;
}

export interface ResolvedMetadata {
  metadata: UpstreamMetadata;
  keys: JWTVerifyGetKey;
}

interface CacheEntry {
  expiresAt: number;
  value: Promise<ResolvedMetadata>;
}

// One cache per running provider (tests run several in one process).
const caches = new WeakMap<Provider, Map<string, CacheEntry>>();

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function endpoint(doc: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = doc[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new UpstreamLoginError('invalid_upstream_metadata', `the upstream's metadata has no valid ${field}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UpstreamLoginError('invalid_upstream_metadata', `the upstream's ${field} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new UpstreamLoginError('invalid_upstream_metadata', `the upstream's ${field} must use https`);
  }
  return value;
}

async function fetchMetadata(issuer: string): Promise<ResolvedMetadata> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let doc: unknown;
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`status ${response.status}`);
    doc = await response.json();
  } catch (err) {
    throw new UpstreamLoginError('upstream_unavailable', `the upstream's metadata could not be fetched (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UpstreamLoginError('invalid_upstream_metadata', "the upstream's metadata is not a JSON object");
  const record = doc as Record<string, unknown>;
  // OIDC Discovery §4.3: the issuer in the document must be exactly the one configured.
  if (record.issuer !== issuer) throw new UpstreamLoginError('invalid_upstream_metadata', "the upstream's metadata names another issuer");
  const metadata: UpstreamMetadata = {
    issuer,
    authorization_endpoint: endpoint(record, 'authorization_endpoint', true)!,
    token_endpoint: endpoint(record, 'token_endpoint', true)!,
    jwks_uri: endpoint(record, 'jwks_uri', true)!,
  };
  const userinfo = endpoint(record, 'userinfo_endpoint', false);
  if (userinfo) metadata.userinfo_endpoint = userinfo;
  if (record.authorization_response_iss_parameter_supported === true) metadata.authorization_response_iss_parameter_supported = true;
  return { metadata, keys: createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: UPSTREAM_TIMEOUT_MS }) };
}

/** The upstream's metadata and keys, from the cache while fresh. */
export function upstreamMetadata(provider: Provider, issuer: string): Promise<ResolvedMetadata> {
  let cache = caches.get(provider);
  if (!cache) {
    cache = new Map();
    caches.set(provider, cache);
  }
  const now = provider.clock.now();
  const cached = cache.get(issuer);
  if (cached && now < cached.expiresAt) return cached.value;
  const value = fetchMetadata(issuer);
  const entry: CacheEntry = { expiresAt: now + METADATA_TTL_SECONDS, value };
  cache.set(issuer, entry);
  value.catch(() => {
    if (cache.get(issuer) === entry) cache.delete(issuer);
  });
  return value;
}
