/**
 * Access and refresh tokens. Access tokens are RFC 9068 JWTs (`typ: at+jwt`, ES256) by default, or opaque 256-bit
 * random strings stored by hash. Refresh tokens are opaque, stored by hash, in a family per grant.
 */
import { randomUUID } from 'node:crypto';
import { signJwt } from '../keys/jws-sign.js';
import { randomToken, sha256 } from '../keys/secrets.js';
import type { Db } from '../store/database.js';
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
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

export const opaqueTokenId = (token: string) => `o:${sha256(token)}`;
export const jwtTokenId = (jti: string) => `j:${jti}`;

export async function issueAccessToken(db: Db, community: Community, client: ResolvedClient, subject: TokenSubject, now: number, lifetimes: Lifetimes): Promise<{ token: string; expiresIn: number }> {
  const expiresIn = lifetimes.accessToken;
  const clientId = client.metadata.client_id;
  const scope = subject.scope.join(' ');
  if (client.metadata.access_token_format === 'opaque') {
    const token = randomToken(32);
    await insertAccessToken(db, {
      id: opaqueTokenId(token),
      grant_id: subject.grantId,
      community_id: community.id,
      client_id: clientId,
      user_id: subject.userId,
      scope,
      format: 'opaque',
      auth_time: subject.authTime ?? null,
      created_at: now,
      expires_at: now + expiresIn,
      revoked_at: null,
    });
    return { token, expiresIn };
  }
  const jti = randomUUID();
  const claims: Record<string, unknown> = {
    iss: community.issuer,
    sub: subject.userId ?? clientId,
    aud: client.metadata.access_token_audience ?? clientId,
    exp: now + expiresIn,
    iat: now,
    jti,
    client_id: clientId,
  };
  if (scope) claims.scope = scope;
  if (subject.authTime !== undefined) claims.auth_time = subject.authTime;
  if (subject.acr) claims.acr = subject.acr;
  if (subject.amr && subject.amr.length > 0) claims.amr = subject.amr;
  const token = signJwt(community.keys.active.ES256, claims, 'at+jwt');
  // Tokens of a user grant are recorded so revoking the grant deactivates them; client_credentials JWTs are stateless.
  if (subject.grantId) {
    await insertAccessToken(db, {
      id: jwtTokenId(jti),
      grant_id: subject.grantId,
      community_id: community.id,
      client_id: clientId,
      user_id: subject.userId,
      scope,
      format: 'jwt',
      auth_time: subject.authTime ?? null,
      created_at: now,
      expires_at: now + expiresIn,
      revoked_at: null,
    });
  }
  return { token, expiresIn };
}

export async function issueRefreshToken(db: Db, community: Community, client: ResolvedClient, subject: TokenSubject & { userId: string; grantId: string; authTime: number }, now: number, lifetimes: Lifetimes): Promise<string> {
  const token = randomToken(32);
  await insertRefreshToken(db, {
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
    created_at: now,
    expires_at: now + lifetimes.refreshToken,
    consumed_at: null,
    revoked_at: null,
  });
  return token;
}
