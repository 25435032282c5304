/**
 * Access and refresh tokens. Access tokens are RFC 9068 JWTs (`typ: at+jwt`, ES256) by default, or opaque 256-bit
 * random strings stored by hash. Refresh tokens are opaque, stored by hash, in a family per grant.
 *
 * Minting (randomness, claims, signature) is kept apart from storing (the rows), so a grant signs before it opens
 * its transaction and the transaction holds only the writes.
 */
import { randomUUID } from 'node:crypto';
import { signJwt } from '../keys/jws-sign.js';
import { randomToken, sha256 } from '../keys/secrets.js';
import type { Db } from '../store/database.js';
import type { AccessTokenTable, RefreshTokenTable } from '../store/schema.js';
import { insertAccessToken } from '../store/access-tokens.js';
import { insertRefreshToken } from '../store/refresh-tokens.js';
import type { Community, ResolvedClient } from '../runtime/community-registry.js';
import type { Lifetimes } from '../config.js';

export interface TokenSubject {
  /** The user, or null for a client acting on its own behalf (client_credentials). */
  userId: string | null;
  scope: string[];
  grantId: string | null;
  authTime?: number;
  acr?: string | null;
  amr?: string[];
  sid?: string | null;
  /** The requested claims (oauth/claims-request.ts), JSON, kept on the stored rows. */
  claims?: string | null;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  /** RFC 8693 §2.2.1: the type of the token issued by token exchange. */
  issued_token_type?: string;
}

/** What token exchange changes about an access token: its audience, its actor, an earlier expiry, and the format. */
export interface AccessTokenOptions {
  audience?: string | string[];
  /** RFC 8693 §4.1: the acting party, with earlier actors nested. */
  act?: Record<string, unknown>;
  /** The token expires no later than this (the subject token's expiry). */
  notAfter?: number;
  format?: 'jwt' | 'opaque';
}

export interface MintedAccessToken {
  token: string;
  expiresIn: number;
  /** The row to store, or null for a stateless token (a client_credentials JWT). */
  record: AccessTokenTable | null;
}

export interface MintedRefreshToken {
  token: string;
  record: RefreshTokenTable;
}

export const opaqueTokenId = (token: string) => `o:${sha256(token)}`;
export const jwtTokenId = (jti: string) => `j:${jti}`;

export async function mintAccessToken(
  community: Community,
  client: ResolvedClient,
  subject: TokenSubject,
  now: number,
  lifetimes: Lifetimes,
  options: AccessTokenOptions = {},
): Promise<MintedAccessToken> {
  const expiresIn = options.notAfter === undefined ? lifetimes.accessToken : Math.min(lifetimes.accessToken, options.notAfter - now);
  const clientId = client.metadata.client_id;
  const scope = subject.scope.join(' ');
  const record = (id: string, format: 'opaque' | 'jwt'): AccessTokenTable => ({
    id,
    grant_id: subject.grantId,
    community_id: community.id,
    client_id: clientId,
    user_id: subject.userId,
    scope,
    format,
    auth_time: subject.authTime ?? null,
    claims: subject.claims ?? null,
    created_at: now,
    expires_at: now + expiresIn,
    revoked_at: null,
  });
  if ((options.format ?? client.metadata.access_token_format) === 'opaque') {
    const token = randomToken(32);
    return { token, expiresIn, record: record(opaqueTokenId(token), 'opaque') };
  }
  const jti = randomUUID();
  const claims: Record<string, unknown> = {
    iss: community.issuer,
    sub: subject.userId ?? clientId,
    aud: options.audience ?? client.metadata.access_token_audience ?? clientId,
    exp: now + expiresIn,
    iat: now,
    jti,
    client_id: clientId,
  };
  if (scope) claims.scope = scope;
  if (subject.authTime !== undefined) claims.auth_time = subject.authTime;
  if (subject.acr) claims.acr = subject.acr;
  if (subject.amr && subject.amr.length > 0) claims.amr = subject.amr;
  if (options.act) claims.act = options.act;
  const token = await signJwt(community.keys.active.ES256, claims, 'at+jwt');
  // Tokens of a user grant are recorded so revoking the grant deactivates them; client_credentials JWTs are stateless.
  return { token, expiresIn, record: subject.grantId ? record(jwtTokenId(jti), 'jwt') : null };
}

export function mintRefreshToken(community: Community, client: ResolvedClient, subject: TokenSubject & { userId: string; grantId: string; authTime: number }, now: number, lifetimes: Lifetimes): MintedRefreshToken {
  const token = randomToken(32);
  const record: RefreshTokenTable = {
    token_hash: sha256(token),
    grant_id: subject.grantId,
    community_id: community.id,
    client_id: client.metadata.client_id,
    user_id: subject.userId,
    scope: subject.scope.join(' '),
    auth_time: subject.authTime,
    acr: subject.acr ?? null,
    amr: JSON.stringify(subject.amr ?? []),
    sid: subject.sid ?? null,
    claims: subject.claims ?? null,
    created_at: now,
    expires_at: now + lifetimes.refreshToken,
    consumed_at: null,
    revoked_at: null,
  };
  return { token, record };
}

/** Stores what was minted (inside the caller's transaction when there is one). */
export async function storeTokens(db: Db, access: MintedAccessToken | null, refresh?: MintedRefreshToken): Promise<void> {
  if (access?.record) await insertAccessToken(db, access.record);
  if (refresh) await insertRefreshToken(db, refresh.record);
}
