/**
 * Authorization responses (RFC 6749 §4.1.2, §4.1.2.1) in query mode, always with `iss` (RFC 9207). Parameters are
 * appended to the registered redirect URI, keeping its own query (RFC 6749 §3.1.2).
 */
import type { OAuthError } from '../errors.js';

export function authorizationRedirect(redirectUri: string, issuer: string, values: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(values)) if (value !== undefined) url.searchParams.append(name, value);
  url.searchParams.append('iss', issuer);
  return url.href;
}

export function errorRedirect(redirectUri: string, issuer: string, error: OAuthError, state: string | undefined): string {
  return authorizationRedirect(redirectUri, issuer, { error: error.error, error_description: error.description, state });
}
