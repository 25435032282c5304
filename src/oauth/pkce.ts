/** PKCE (RFC 7636): challenge syntax at the authorization endpoint, verifier check at the token endpoint. */
import { createHash } from 'node:crypto';
import { safeEqual } from '../keys/secrets.js';

/** §4.1: 43–128 unreserved characters; the S256 challenge has the same syntax (43 base64url chars). */
export const VERIFIER_SYNTAX = /^[A-Za-z0-9\-._~]{43,128}$/;

export type ChallengeMethod = 'S256' | 'plain';

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function verifierMatches(verifier: string, challenge: string, method: ChallengeMethod): boolean {
  if (!VERIFIER_SYNTAX.test(verifier)) return false;
  return safeEqual(method === 'S256' ? s256(verifier) : verifier, challenge);
}
