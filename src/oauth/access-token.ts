/**
 * Validates an access token presented to introspection or userinfo: a JWT this community signed (signature, `typ`,
 * issuer, expiry, then its revocation record), or an opaque token found by hash.
 */
import { jwtVerify, type JWTPayload } from 'jose';
import { findAccessToken } from '../store/access-tokens.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { jwtTokenId, opaqueTokenId } from './tokens.js';

export interface ActiveAccessToken {
  id: string;
  format: 'jwt' | 'opaque';
  clientId: string;
  userId: string | null;
  scope: string[];
  iat: number;
  exp: number;
  aud?: string | string[];
  jti?: string;
  authTime?: number;
  grantId: string | null;
  /** RFC 8693 §4.1: the actor of an exchanged token. */
  act?: Record<string, unknown>;
  /** The claims request of the grant (oauth/claims-request.ts), JSON. */
  claims?: string | null;
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const looksLikeJwt = (token: string) => token.split('.').length === 3;

/** Resource servers present the same token many times: its verified claims are kept until it expires. */
const VERIFIED_CACHE_SIZE = 10_000;

async function verifiedClaims(community: Community, token: string, now: number): Promise<JWTPayload | undefined> {
  const cached = community.verifiedAccessTokens.get(token);
  if (cached) return cached.exp! > now ? cached : undefined;
  try {
    const { payload } = await jwtVerify(token, community.ownKeySet, {
      issuer: community.issuer,
      typ: 'at+jwt',
      algorithms: ['ES256'],
      currentDate: new Date(now * 1000),
      requiredClaims: ['exp', 'iat', 'jti', 'client_id'],
    });
    if (community.verifiedAccessTokens.size >= VERIFIED_CACHE_SIZE) {
      // Oldest first (Map keeps insertion order).
      community.verifiedAccessTokens.delete(community.verifiedAccessTokens.keys().next().value!);
    }
    community.verifiedAccessTokens.set(token, payload);
    return payload;
  } catch {
    return undefined;
  }
}

export async function resolveAccessToken(provider: Provider, community: Community, token: string): Promise<ActiveAccessToken | undefined> {
  const now = provider.clock.now();
  if (token.length > 8192) return undefined;
  if (looksLikeJwt(token)) {
    const payload = await verifiedClaims(community, token, now);
    if (!payload) return undefined;
    const jti = String(payload.jti);
    const record = await findAccessToken(provider.db, jwtTokenId(jti));
    if (record?.revoked_at != null) return undefined;
    const clientId = String(payload.client_id);
    return {
      id: jwtTokenId(jti),
      format: 'jwt',
      clientId,
      // Only user grants carry auth_time: that is how a client_credentials token is told apart (RFC 9700 §4.15).
      userId: typeof payload.auth_time === 'number' ? String(payload.sub) : null,
      scope: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
      iat: payload.iat!,
      exp: payload.exp!,
      aud: payload.aud,
      jti,
      authTime: typeof payload.auth_time === 'number' ? payload.auth_time : undefined,
      grantId: record?.grant_id ?? null,
      act: isObject(payload.act) ? payload.act : undefined,
      claims: record?.claims ?? null,
    };
  }
  const id = opaqueTokenId(token);
  const record = await findAccessToken(provider.db, id);
  if (!record || record.community_id !== community.id || record.revoked_at !== null || record.expires_at <= now) return undefined;
  return {
    id,
    format: 'opaque',
    clientId: record.client_id,
    userId: record.user_id,
    scope: record.scope.split(' ').filter(Boolean),
    iat: record.created_at,
    exp: record.expires_at,
    authTime: record.auth_time ?? undefined,
    grantId: record.grant_id,
    claims: record.claims ?? null,
  };
}
