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

/**
 * The user's values of the named claims. With claims_locales (OIDC Core §5.2) a language-tagged variant the user has
 * (`name#de`) is released as well, under its tagged name, for the first locale that matches (exact tag, or the
 * primary language: `de-CH` finds `name#de`).
 */
export function releaseClaims(names: Iterable<string>, userClaims: Readonly<Record<string, unknown>>, locales: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(userClaims);
  for (const claim of names) {
    const value = userClaims[claim];
    if (value !== undefined && value !== null) out[claim] = value;
    for (const locale of locales) {
      const wanted = [locale.toLowerCase(), locale.toLowerCase().split('-')[0]!];
      const tagged = keys.find((k) => k.startsWith(`${claim}#`) && wanted.includes(k.slice(claim.length + 1).toLowerCase()));
      if (tagged !== undefined && userClaims[tagged] !== undefined && userClaims[tagged] !== null) {
        out[tagged] = userClaims[tagged];
        break;
      }
    }
  }
  return out;
}

export function claimsForScopes(scopes: readonly string[], userClaims: Readonly<Record<string, unknown>>, locales: readonly string[] = []): Record<string, unknown> {
  return releaseClaims(scopes.flatMap((scope) => SCOPE_CLAIMS[scope] ?? []), userClaims, locales);
}
