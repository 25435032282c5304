/**
 * The authorization endpoint's checks, in order (see pipeline.ts). Each enforces the rules in its comment.
 * Until the client and redirect_uri are trusted, errors render a page (RFC 6749 §4.1.2.1, RFC 9700 §4.11);
 * afterwards they are redirected to the client.
 */
import { OAuthError, invalidRequest, unauthorizedClient } from '../errors.js';
import { isPublicClient } from '../client.js';
import { parseScope, requireAllowedScopes } from '../scopes.js';
import type { Params } from '../params.js';
import type { ResolvedClient } from '../../runtime/community-registry.js';
import type { AuthorizationRequest } from './request.js';
import { carriesTokens, defaultResponseMode, isResponseMode, normalizeResponseType, responseTypeParts, type ResponseMode, type ResponseType } from './response-type.js';

const MAX_PARAM = 4096;
const CHALLENGE_SYNTAX = /^[A-Za-z0-9\-._~]{43,128}$/;
const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);
const DISPLAYS = new Set(['page', 'popup', 'touch', 'wap']);

export function checkLengths(params: Params, names: readonly string[]): void {
  for (const name of names) {
    const v = params.get(name);
    if (v !== undefined && v.length > MAX_PARAM) throw invalidRequest(`${name} is too long`);
  }
}

const LOOPBACK_IP = new Set(['127.0.0.1', '[::1]']);

/**
 * RFC 9700 §4.1.3: simple string comparison with a registered URI. RFC 8252 §7.3: for native clients a loopback IP
 * redirect URI matches on any port.
 */
export function redirectUriMatches(client: ResolvedClient, requested: string): boolean {
  const registered = client.metadata.redirect_uris;
  if (registered.includes(requested)) return true;
  if (client.metadata.application_type !== 'native') return false;
  let req: URL;
  try {
    req = new URL(requested);
  } catch {
    return false;
  }
  if (req.protocol !== 'http:' || !LOOPBACK_IP.has(req.hostname)) return false;
  return registered.some((r) => {
    const reg = new URL(r);
    if (reg.protocol !== 'http:' || !LOOPBACK_IP.has(reg.hostname)) return false;
    reg.port = req.port;
    return reg.href === req.href;
  });
}

/**
 * response_type (OAuth 2.0 Multiple Response Types, OIDC Core §3): one of the seven combinations of `code`,
 * `id_token` and `token`, compared order-insensitively. The client must have registered it (so implicit and hybrid
 * are off unless asked for, RFC 9700 §2.1.2), with the grant types OIDC Registration §2 pairs with it: `code` needs
 * authorization_code, `id_token` or `token` needs implicit.
 */
export function checkResponseType(params: Params, client: ResolvedClient): ResponseType {
  const raw = params.get('response_type');
  if (raw === undefined) throw invalidRequest('response_type is required');
  const responseType = normalizeResponseType(raw);
  if (responseType === undefined) throw new OAuthError('unsupported_response_type', `response_type ${raw} is not supported`);
  const registered = client.metadata.response_types.some((r) => normalizeResponseType(r) === responseType);
  const parts = responseTypeParts(responseType);
  const grants = client.metadata.grant_types;
  if (!registered || (parts.has('code') && !grants.includes('authorization_code')) || ((parts.has('id_token') || parts.has('token')) && !grants.includes('implicit'))) {
    throw unauthorizedClient(`client may not use response_type ${responseType}`);
  }
  return responseType;
}

/**
 * response_mode: `query`, `fragment` or `form_post`, defaulting per response type (Multiple Response Types §2.1:
 * code → query, anything with a token → fragment). `query` never carries tokens (§3.0, RFC 9700 §4.3.2).
 */
export function checkResponseMode(params: Params, responseType: ResponseType): ResponseMode {
  const mode = params.get('response_mode');
  if (mode === undefined) return defaultResponseMode(responseType);
  if (!isResponseMode(mode)) throw invalidRequest(`response_mode ${mode} is not supported`);
  if (mode === 'query' && carriesTokens(responseType)) throw invalidRequest(`response_mode query must not be used with response_type ${responseType}`);
  return mode;
}

/**
 * The mode for an error sent to a trusted redirect_uri: the requested response_mode when it is valid (and not query
 * for a response type that carries tokens), else the requested response type's default, else query. So a request
 * with no or an unknown response_type but response_mode=form_post gets its error as a form_post. Never throws.
 */
export function errorResponseMode(params: Params): ResponseMode {
  const safely = (name: string) => {
    try {
      return params.get(name);
    } catch {
      return undefined;
    }
  };
  const rawType = safely('response_type');
  const responseType = rawType === undefined ? undefined : normalizeResponseType(rawType);
  const mode = safely('response_mode');
  if (mode !== undefined && isResponseMode(mode) && !(mode === 'query' && responseType !== undefined && carriesTokens(responseType))) return mode;
  return responseType === undefined ? 'query' : defaultResponseMode(responseType);
}

/** OIDC Core §3.2.2.1, §3.3.2.11: an ID token from the authorization endpoint needs `nonce` and the openid scope. */
export function checkIdTokenRequest(responseType: ResponseType, scope: readonly string[], nonce: string | undefined): void {
  if (!responseTypeParts(responseType).has('id_token')) return;
  if (!scope.includes('openid')) throw invalidRequest(`response_type ${responseType} needs the openid scope`);
  if (nonce === undefined) throw invalidRequest(`nonce is required with response_type ${responseType}`);
}

/** Request objects are not supported (discovery says so): OIDC Core §6 errors. */
export function checkRequestObject(params: Params): void {
  if (params.has('request')) throw new OAuthError('request_not_supported', 'the request parameter is not supported');
  if (params.has('request_uri')) throw new OAuthError('request_uri_not_supported', 'the request_uri parameter is not supported');
}

/** scope is required and every value must be registered for the client. */
export function checkScope(params: Params, client: ResolvedClient): string[] {
  const scope = parseScope(params.get('scope'));
  if (scope.length === 0) throw invalidRequest('scope is required');
  requireAllowedScopes(scope, client.scopes);
  return scope;
}

/**
 * PKCE (RFC 7636 §4.3, RFC 9700 §2.1.1): required for public clients and clients registered with require_pkce;
 * S256 by default-deny of `plain` unless the client's metadata allows it; method defaults to plain when absent.
 */
export function checkPkce(params: Params, client: ResolvedClient): Pick<AuthorizationRequest, 'code_challenge' | 'code_challenge_method'> {
  const challenge = params.get('code_challenge');
  const method = params.get('code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined) throw invalidRequest('code_challenge_method without code_challenge');
    if (isPublicClient(client) || client.metadata.require_pkce) throw invalidRequest('PKCE code_challenge is required for this client');
    return {};
  }
  if (!CHALLENGE_SYNTAX.test(challenge)) throw invalidRequest('code_challenge must be 43 to 128 unreserved characters');
  const effective = method ?? 'plain';
  if (effective !== 'S256' && effective !== 'plain') throw invalidRequest(`code_challenge_method ${effective} is not supported`);
  if (effective === 'plain' && !client.metadata.allow_plain_pkce) throw invalidRequest('code_challenge_method must be S256');
  return { code_challenge: challenge, code_challenge_method: effective };
}

/** prompt values (OIDC Core §3.1.2.1): none, login, consent, select_account; none alone. */
export function checkPrompt(params: Params): string[] {
  const prompt = [...new Set((params.get('prompt') ?? '').split(' ').filter(Boolean))];
  for (const p of prompt) if (!PROMPTS.has(p)) throw invalidRequest(`prompt value ${p} is not supported`);
  if (prompt.includes('none') && prompt.length > 1) throw invalidRequest('prompt=none must not be combined with other values');
  return prompt;
}

/** max_age: a non-negative integer number of seconds. */
export function checkMaxAge(params: Params): number | undefined {
  const raw = params.get('max_age');
  if (raw === undefined) return undefined;
  if (!/^\d{1,10}$/.test(raw)) throw invalidRequest('max_age must be a non-negative integer');
  return Number(raw);
}

/** display (OIDC Core §3.1.2.1): the four defined values are kept; others are ignored (every page is responsive). */
export function checkDisplay(params: Params): string | undefined {
  const display = params.get('display');
  return display !== undefined && DISPLAYS.has(display) ? display : undefined;
}
