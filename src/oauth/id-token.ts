/** ID tokens (OIDC Core §2, §3.1.3.6): claims, and the at_hash / c_hash / s_hash halves of the alg's hash. */
import { createHash } from 'node:crypto';
import { compactVerify } from 'jose';
import { signJwt } from '../keys/jws-sign.js';
import type { Community, ResolvedClient } from '../runtime/community-registry.js';

/** Left half of SHA-256 (ES256 and RS256 both use SHA-256) of the value's octets, base64url. */
export function halfHash(value: string): string {
  const digest = createHash('sha256').update(value, 'utf8').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export interface IdTokenInput {
  sub: string;
  now: number;
  lifetime: number;
  authTime: number;
  nonce?: string | null;
  acr?: string | null;
  amr?: string[];
  sid?: string | null;
  accessToken?: string;
  code?: string;
  /** FAPI 1.0 Advanced §5.2.2.1: `s_hash` of the authorization request's state. */
  state?: string;
  extraClaims?: Record<string, unknown>;
}

export function issueIdToken(community: Community, client: ResolvedClient, input: IdTokenInput): Promise<string> {
  const claims: Record<string, unknown> = {
    iss: community.issuer,
    sub: input.sub,
    aud: client.metadata.client_id,
    exp: input.now + input.lifetime,
    iat: input.now,
    auth_time: input.authTime,
  };
  if (input.nonce) claims.nonce = input.nonce;
  if (input.acr) claims.acr = input.acr;
  if (input.amr && input.amr.length > 0) claims.amr = input.amr;
  if (input.sid) claims.sid = input.sid;
  if (input.accessToken) claims.at_hash = halfHash(input.accessToken);
  if (input.code) claims.c_hash = halfHash(input.code);
  if (input.state) claims.s_hash = halfHash(input.state);
  if (input.extraClaims) Object.assign(claims, input.extraClaims);
  const key = community.keys.active[client.metadata.id_token_signed_response_alg];
  return signJwt(key, claims);
}

/** The claims Tessera reads from an `id_token_hint` (authorize, RP-initiated logout). */
export interface HintClaims {
  sub: string;
  aud: string[];
}

/**
 * An ID token this community issued, possibly expired (OIDC Core §3.1.2.1, RP-Initiated Logout §2): signature by one
 * of the community's keys, `iss` ours, `typ` JWT — so an access token (`at+jwt`) or a logout token (`logout+jwt`),
 * signed by the same keys, is not taken for an ID token. Undefined when it is not one.
 */
export async function verifyOwnIdToken(community: Community, token: string): Promise<HintClaims | undefined> {
  try {
    const { payload, protectedHeader } = await compactVerify(token, community.ownKeySet);
    if (protectedHeader.typ !== undefined && protectedHeader.typ.toUpperCase() !== 'JWT') return undefined;
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown; sub?: unknown; aud?: unknown; auth_time?: unknown };
    if (claims.iss !== community.issuer || typeof claims.sub !== 'string' || typeof claims.auth_time !== 'number') return undefined;
    const aud = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string');
    if (aud.length === 0) return undefined;
    return { sub: claims.sub, aud };
  } catch {
    return undefined;
  }
}
