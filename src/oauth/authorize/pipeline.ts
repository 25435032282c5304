/**
 * The authorization endpoint as a declared pipeline (OIDC Core §3.1.2, RFC 6749 §4.1.1, RFC 9700):
 *   client → redirect_uri → (errors redirect from here on, in the requested or default response mode) → request
 *   object → response_type → response_mode → scope → PKCE (with a code) → prompt → nonce (with an ID token) →
 *   max_age → display, claims, claims_locales → id_token_hint.
 */
import { verifyOwnIdToken } from '../id-token.js';
import { OAuthError, invalidRequest } from '../errors.js';
import type { Params } from '../params.js';
import type { Community, ResolvedClient } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import type { AuthorizationRequest } from './request.js';
import { parseClaimsLocales, parseClaimsParameter } from '../claims-request.js';
import { errorResponse, type AuthorizationResponse } from './response.js';
import { responseTypeParts, type ResponseMode } from './response-type.js';
import {
  checkDisplay,
  checkIdTokenRequest,
  checkLengths,
  checkMaxAge,
  checkPkce,
  checkPrompt,
  checkRequestObject,
  checkResponseMode,
  checkResponseType,
  checkScope,
  errorResponseMode,
  redirectUriMatches,
} from './checks.js';

export const AUTHORIZATION_PARAMS = [
  'client_id', 'redirect_uri', 'response_type', 'response_mode', 'scope', 'state', 'nonce', 'code_challenge',
  'code_challenge_method', 'prompt', 'max_age', 'login_hint', 'ui_locales', 'acr_values', 'id_token_hint', 'display',
  'claims_locales', 'request', 'request_uri', 'claims',
] as const;

/** An error shown on Tessera's own page: the client or redirect_uri could not be trusted. */
export class UntrustedRequestError extends OAuthError {}

/** An error to send back to the validated redirect_uri, in the response mode it should use (checks.ts errorResponseMode). */
export class RedirectableError extends Error {
  constructor(
    override readonly cause: OAuthError,
    readonly redirectUri: string,
    readonly state: string | undefined,
    readonly responseMode: ResponseMode = 'query',
  ) {
    super(cause.message);
  }

  /** The error response (with `iss` and `state`) for the client. */
  toResponse(issuer: string): AuthorizationResponse {
    return errorResponse(this.redirectUri, issuer, this.responseMode, this.cause, this.state);
  }
}

export interface ValidatedAuthorization {
  client: ResolvedClient;
  request: AuthorizationRequest;
}

async function hintedSubject(community: Community, hint: string): Promise<string> {
  const claims = await verifyOwnIdToken(community, hint);
  if (!claims) throw invalidRequest('id_token_hint is not an ID token issued by this provider');
  return claims.sub;
}

export async function validateAuthorizationRequest(provider: Provider, community: Community, params: Params): Promise<ValidatedAuthorization> {
  let clientId: string | undefined;
  let redirectUri: string | undefined;
  try {
    checkLengths(params, ['client_id', 'redirect_uri']);
    clientId = params.get('client_id');
    redirectUri = params.get('redirect_uri');
  } catch (err) {
    throw err instanceof OAuthError ? new UntrustedRequestError(err.error, err.description) : err;
  }
  if (clientId === undefined) throw new UntrustedRequestError('invalid_request', 'client_id is required');
  const client = await provider.registry.client(community, clientId);
  if (!client) throw new UntrustedRequestError('invalid_client', 'unknown client_id');
  if (redirectUri === undefined) throw new UntrustedRequestError('invalid_request', 'redirect_uri is required');
  if (!redirectUriMatches(client, redirectUri)) throw new UntrustedRequestError('invalid_request', 'redirect_uri is not registered for this client');

  // From here on the redirect URI is trusted: errors go back to it (a repeated or oversized state is dropped).
  let state: string | undefined;
  const errorMode = errorResponseMode(params);
  try {
    checkLengths(params, ['state']);
    state = params.get('state');
  } catch (err) {
    throw err instanceof OAuthError ? new RedirectableError(err, redirectUri, undefined, errorMode) : err;
  }
  try {
    checkLengths(params, AUTHORIZATION_PARAMS);
    checkRequestObject(params);
    const responseType = checkResponseType(params, client);
    const request: AuthorizationRequest = {
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: responseType,
      response_mode: checkResponseMode(params, responseType),
      scope: checkScope(params, client),
      // PKCE protects a code; implicit responses have none (their ID token's nonce and hashes bind them).
      ...(responseTypeParts(responseType).has('code') ? checkPkce(params, client) : {}),
      prompt: checkPrompt(params),
    };
    checkIdTokenRequest(responseType, request.scope, params.get('nonce'));
    const maxAge = checkMaxAge(params);
    if (maxAge !== undefined) request.max_age = maxAge;
    const optional = { state, nonce: params.get('nonce'), login_hint: params.get('login_hint'), ui_locales: params.get('ui_locales'), acr_values: params.get('acr_values') };
    for (const key of Object.keys(optional) as (keyof typeof optional)[]) {
      const value = optional[key];
      if (value !== undefined) request[key] = value;
    }
    const display = checkDisplay(params);
    if (display !== undefined) request.display = display;
    const claims = parseClaimsParameter(params.get('claims'));
    if (claims !== undefined) request.claims = claims;
    const claimsLocales = params.get('claims_locales');
    if (claimsLocales !== undefined && parseClaimsLocales(claimsLocales)) request.claims_locales = claimsLocales;
    const hint = params.get('id_token_hint');
    if (hint !== undefined) request.hinted_sub = await hintedSubject(community, hint);
    return { client, request };
  } catch (err) {
    if (err instanceof OAuthError) throw new RedirectableError(err, redirectUri, state, errorMode);
    throw err;
  }
}
