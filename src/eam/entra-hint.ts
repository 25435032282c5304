/**
 * The `id_token_hint` Microsoft Entra ID sends with an external authentication method (EAM) request, validated as
 * MS-EAM asks ("fully … particularly the signature, issuer, audience as well as the other claim values"):
 * - RS256 only, signed by a key of Entra's JWKS (found through the Entra metadata URL; fetched, cached, refetched
 *   when a `kid` is unknown);
 * - `iss` exactly the metadata's issuer template with `{tenantid}` replaced by the token's `tid`, and that `tid` in
 *   the client's allow-list; `aud` the client's Entra App ID; `ver` "2.0"; `sub`, `oid` and `tid` present (GUIDs
 *   for the last two);
 * - the hint arrives already expired by design: `exp` is not enforced; freshness is — `iat` at most 10 minutes old
 *   and not more than 2 minutes ahead (`nbf` likewise).
 */
import { compactVerify, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, type JWTVerifyGetKey } from 'jose';

export const DEFAULT_ENTRA_METADATA_URL = 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration';
const MAX_AGE = 600;
const SKEW = 120;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const METADATA_TTL_MS = 24 * 3600_000;

export interface EamSettings {
  entra_app_id: string;
  allowed_tenant_ids: string[];
  entra_metadata_url?: string;
}

export interface EntraHint {
  sub: string;
  oid: string;
  tid: string;
  preferred_username?: string;
}

export class EntraHintError extends Error {}

interface EntraMetadata {
  issuerTemplate: string;
  keys: JWTVerifyGetKey;
  fetchedAt: number;
}

/** Entra's metadata and keys per metadata URL, kept for a day (Entra itself caches 24 h). */
export class EntraMetadataCache {
  private readonly entries = new Map<string, Promise<EntraMetadata>>();

  /** `cooldownMs`: the least time between two fetches of the key set for an unknown kid. */
  constructor(
    private readonly timeoutMs = 5000,
    private readonly cooldownMs = 30_000,
  ) {}

  async get(url: string): Promise<EntraMetadata> {
    const cached = this.entries.get(url);
    if (cached) {
      const entry = await cached.catch(() => undefined);
      if (entry && Date.now() - entry.fetchedAt < METADATA_TTL_MS) return entry;
    }
    const loading = this.load(url);
    this.entries.set(url, loading);
    loading.catch(() => this.entries.delete(url));
    return loading;
  }

  private async load(url: string): Promise<EntraMetadata> {
    const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    if (!res.ok) throw new EntraHintError(`Entra metadata answered HTTP ${res.status}`);
    const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof doc.issuer !== 'string' || !doc.issuer.includes('{tenantid}') || typeof doc.jwks_uri !== 'string') {
      throw new EntraHintError('Entra metadata has no issuer template or jwks_uri');
    }
    // jose refetches the key set when a kid is unknown (at most once per cooldown) and at least daily.
    const keys = createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: this.timeoutMs, cooldownDuration: this.cooldownMs, cacheMaxAge: METADATA_TTL_MS });
    return { issuerTemplate: doc.issuer, keys, fetchedAt: Date.now() };
  }
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined);

export async function validateEntraHint(hint: string, settings: EamSettings, now: number, cache: EntraMetadataCache): Promise<EntraHint> {
  if (hint.length > 16_384) throw new EntraHintError('id_token_hint is too large');
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(hint).alg;
  } catch {
    throw new EntraHintError('id_token_hint is not a JWS');
  }
  if (alg !== 'RS256') throw new EntraHintError('id_token_hint must be RS256');
  const metadata = await cache.get(settings.entra_metadata_url ?? DEFAULT_ENTRA_METADATA_URL);
  let claims: Record<string, unknown>;
  try {
    const { payload } = await compactVerify(hint, metadata.keys as Parameters<typeof compactVerify>[1], { algorithms: ['RS256'] });
    claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch (err) {
    throw new EntraHintError(`id_token_hint signature: ${err instanceof joseErrors.JOSEError ? err.message : 'invalid'}`);
  }
  const tid = text(claims.tid);
  const oid = text(claims.oid);
  const sub = text(claims.sub);
  if (!tid || !GUID.test(tid) || !oid || !GUID.test(oid) || !sub) throw new EntraHintError('id_token_hint lacks sub, oid or tid');
  if (!settings.allowed_tenant_ids.includes(tid)) throw new EntraHintError('id_token_hint is from a tenant this client does not allow');
  if (claims.iss !== metadata.issuerTemplate.replace('{tenantid}', tid)) throw new EntraHintError('id_token_hint iss does not match its tenant');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (aud.length !== 1 || aud[0] !== settings.entra_app_id) throw new EntraHintError('id_token_hint aud is not the Entra App ID');
  if (claims.ver !== '2.0') throw new EntraHintError('id_token_hint ver must be 2.0');
  const iat = claims.iat;
  if (typeof iat !== 'number' || iat > now + SKEW || now - iat > MAX_AGE) throw new EntraHintError('id_token_hint is not fresh (iat)');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + SKEW)) throw new EntraHintError('id_token_hint is not yet valid (nbf)');
  const preferred = text(claims.preferred_username);
  return preferred ? { sub, oid, tid, preferred_username: preferred } : { sub, oid, tid };
}
