/**
 * The `claims` request parameter (OIDC Core §5.5) and `claims_locales` (§5.2):
 * - `{"id_token": {...}, "userinfo": {...}}`, each member naming claims as `null` (voluntary) or
 *   `{"essential": bool, "value": v, "values": [v…]}`; other top-level members are ignored;
 * - the requested standard claims the user has are released into the ID token or the UserInfo response even when no
 *   scope asks for them; other names (unknown or private claims) are ignored (§5.5: not an error);
 * - `value`/`values` constrain only `acr` (§5.5.1.1); an essential acr that cannot be met fails the request;
 * - the request survives the code and refresh grants and reaches UserInfo: it is stored, as JSON, with the
 *   authorization code, the refresh token and the access token (`claims` columns, migration 0010).
 */
import { invalidRequest } from './errors.js';
import { STANDARD_CLAIMS, releaseClaims } from './scopes.js';
import { isObject } from './access-token.js';

export interface ClaimRequest {
  essential?: boolean;
  value?: unknown;
  values?: unknown[];
}

export type ClaimRequests = Record<string, ClaimRequest | null>;

export interface ClaimsParameter {
  id_token?: ClaimRequests;
  userinfo?: ClaimRequests;
}

/** What a grant keeps of the request: the claims parameter and the claims_locales preference. */
export interface RequestedClaims {
  claims?: ClaimsParameter;
  locales?: string[];
}

const MAX_CLAIMS = 64;

function claimRequests(member: string, value: unknown): ClaimRequests {
  if (!isObject(value)) throw invalidRequest(`claims.${member} must be a JSON object`);
  const entries = Object.entries(value);
  if (entries.length > MAX_CLAIMS) throw invalidRequest(`claims.${member} names too many claims`);
  const out: ClaimRequests = {};
  for (const [name, request] of entries) {
    if (request === null) {
      out[name] = null;
      continue;
    }
    if (!isObject(request)) throw invalidRequest(`claims.${member}.${name} must be null or a JSON object`);
    if (request.essential !== undefined && typeof request.essential !== 'boolean') throw invalidRequest(`claims.${member}.${name}.essential must be a boolean`);
    if (request.values !== undefined && !Array.isArray(request.values)) throw invalidRequest(`claims.${member}.${name}.values must be an array`);
    const entry: ClaimRequest = {};
    if (request.essential !== undefined) entry.essential = request.essential;
    if (request.value !== undefined) entry.value = request.value;
    if (request.values !== undefined) entry.values = request.values as unknown[];
    out[name] = entry;
  }
  return out;
}

/** Parses and validates the parameter (invalid_request when it is not the §5.5 shape). */
export function parseClaimsParameter(raw: string | undefined): ClaimsParameter | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidRequest('claims must be a JSON object');
  }
  if (!isObject(parsed)) throw invalidRequest('claims must be a JSON object');
  const out: ClaimsParameter = {};
  if (parsed.id_token !== undefined) out.id_token = claimRequests('id_token', parsed.id_token);
  if (parsed.userinfo !== undefined) out.userinfo = claimRequests('userinfo', parsed.userinfo);
  return out;
}

/** claims_locales: the language tags in order of preference. */
export function parseClaimsLocales(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const tags = raw.split(' ').filter((t) => /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(t));
  return tags.length > 0 ? tags.slice(0, 10) : undefined;
}

/** The JSON stored with a code / token, or null when the request asked for nothing. */
export function requestedClaimsJson(request: { claims?: ClaimsParameter; claims_locales?: string }): string | null {
  const stored: RequestedClaims = {};
  if (request.claims && (request.claims.id_token || request.claims.userinfo)) stored.claims = request.claims;
  const locales = parseClaimsLocales(request.claims_locales);
  if (locales) stored.locales = locales;
  return stored.claims || stored.locales ? JSON.stringify(stored) : null;
}

export function parseRequestedClaims(json: string | null | undefined): RequestedClaims {
  if (!json) return {};
  try {
    const parsed = JSON.parse(json) as RequestedClaims;
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** The standard user claims a target (`id_token` or `userinfo`) asks for by name (language tags stripped). */
export function requestedUserClaims(claims: ClaimsParameter | undefined, target: 'id_token' | 'userinfo'): string[] {
  const names = Object.keys(claims?.[target] ?? {}).map((n) => n.split('#')[0]!);
  return [...new Set(names.filter((n) => STANDARD_CLAIMS.includes(n)))];
}

/** Every standard claim the request names, with whether any target marks it essential (the consent page). */
export function claimsToConsent(claims: ClaimsParameter | undefined): { name: string; essential: boolean }[] {
  const out = new Map<string, boolean>();
  for (const target of ['id_token', 'userinfo'] as const) {
    for (const [rawName, request] of Object.entries(claims?.[target] ?? {})) {
      const name = rawName.split('#')[0]!;
      if (STANDARD_CLAIMS.includes(name)) out.set(name, (out.get(name) ?? false) || request?.essential === true);
    }
  }
  return [...out].map(([name, essential]) => ({ name, essential }));
}

/** The acr values an essential `acr` request in the ID token demands, or undefined (§5.5.1.1). */
export function essentialAcrValues(claims: ClaimsParameter | undefined): string[] | undefined {
  const acr = claims?.id_token?.acr;
  if (!acr?.essential) return undefined;
  const values = acr.values ?? (acr.value !== undefined ? [acr.value] : []);
  const strings = values.filter((v): v is string => typeof v === 'string');
  return strings.length > 0 ? strings : undefined;
}

/**
 * The user claims a target releases because the claims parameter named them: the standard claims the user has,
 * with the claims_locales variants (scopes.ts releaseClaims), and language-tagged names asked for explicitly.
 */
export function requestedClaimValues(target: 'id_token' | 'userinfo', requested: RequestedClaims, userClaims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out = releaseClaims(requestedUserClaims(requested.claims, target), userClaims, requested.locales ?? []);
  for (const name of Object.keys(requested.claims?.[target] ?? {})) {
    const base = name.split('#')[0]!;
    const value = userClaims[name];
    if (name !== base && STANDARD_CLAIMS.includes(base) && value !== undefined && value !== null) out[name] = value;
  }
  return out;
}
