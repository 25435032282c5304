/** Scope parsing (RFC 6749 §3.3) and the standard claims each OIDC scope releases (OIDC Core §5.4). */
import { invalidRequest, invalidScope } from './errors.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export const STANDARD_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'] as const;

export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
};

export const STANDARD_CLAIMS: readonly string[] = Object.values(SCOPE_CLAIMS).flat();

/** Splits a scope parameter into unique tokens, refusing malformed ones. */
export function parseScope(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const tokens = raw.split(' ').filter((t) => t !== '');
  for (const t of tokens) {
    if (!SCOPE_TOKEN.test(t)) throw invalidRequest('scope contains characters RFC 6749 section 3.3 does not allow');
  }
  return [...new Set(tokens)];
}

/** Every requested scope must be registered for the client. */
export function requireAllowedScopes(requested: readonly string[], allowed: ReadonlySet<string>): void {
  const extra = requested.filter((s) => !allowed.has(s));
  if (extra.length > 0) throw invalidScope(`scope not allowed for this client: ${extra.join(' ')}`);
}

export function claimsForScopes(scopes: readonly string[], userClaims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const scope of scopes) {
    for (const claim of SCOPE_CLAIMS[scope] ?? []) {
      const value = userClaims[claim];
      if (value !== undefined && value !== null) out[claim] = value;
    }
  }
  return out;
}
