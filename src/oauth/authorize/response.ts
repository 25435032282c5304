/**
 * Authorization responses (RFC 6749 §4.1.2, §4.2.2, their errors, OIDC Core §3.2.2.5, §3.3.2.5) as values: the
 * redirect_uri, the response mode and the parameters, always with `iss` (RFC 9207) and the request's `state`. The
 * HTTP layer turns one into a 303 redirect (query, fragment) or an auto-submitting form (form_post).
 * In query mode the parameters are appended to the registered redirect URI, keeping its own query (RFC 6749 §3.1.2);
 * in fragment mode they are the URI's fragment.
 */
import type { OAuthError } from '../errors.js';
import type { ResponseMode } from './response-type.js';

export interface AuthorizationResponse {
  redirectUri: string;
  mode: ResponseMode;
  /** In the order they are sent; `iss` last. */
  params: [string, string][];
}

export function authorizationResponse(redirectUri: string, issuer: string, mode: ResponseMode, values: Record<string, string | undefined>): AuthorizationResponse {
  const params: [string, string][] = [];
  for (const [name, value] of Object.entries(values)) if (value !== undefined) params.push([name, value]);
  params.push(['iss', issuer]);
  return { redirectUri, mode, params };
}

export function errorResponse(redirectUri: string, issuer: string, mode: ResponseMode, error: OAuthError, state: string | undefined): AuthorizationResponse {
  return authorizationResponse(redirectUri, issuer, mode, { error: error.error, error_description: error.description, state });
}

/** The redirect location of a query or fragment response. */
export function responseLocation(response: AuthorizationResponse): string {
  if (response.mode === 'form_post') throw new Error('a form_post response has no redirect location');
  const url = new URL(response.redirectUri);
  if (response.mode === 'query') {
    for (const [name, value] of response.params) url.searchParams.append(name, value);
  } else {
    url.hash = new URLSearchParams(response.params).toString();
  }
  return url.href;
}
