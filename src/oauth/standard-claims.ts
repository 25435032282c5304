/**
 * The JSON types of OIDC Core §5.1's standard claims. Relying parties (and the conformance suite) reject a userinfo or
 * ID token whose `email_verified` is the string "true" or whose `address` is a string, so claims are typed where they
 * enter Tessera: the provisioning file (schema below) and upstream identity providers (`wellTypedClaims`).
 */
import { isObject } from './access-token.js';

const STRING_CLAIMS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website',
  'email', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number',
] as const;
const BOOLEAN_CLAIMS = ['email_verified', 'phone_number_verified'] as const;
const ADDRESS_MEMBERS = ['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'] as const;

const text = { type: 'string', maxLength: 2048 } as const;

/** JSON Schema for a user's `claims`: standard claims typed, other (custom) claims free. */
export const userClaimsSchema = {
  type: 'object',
  default: {},
  properties: {
    ...Object.fromEntries(STRING_CLAIMS.map((name) => [name, text])),
    ...Object.fromEntries(BOOLEAN_CLAIMS.map((name) => [name, { type: 'boolean' }])),
    updated_at: { type: 'integer', minimum: 0 },
    address: { type: 'object', additionalProperties: false, properties: Object.fromEntries(ADDRESS_MEMBERS.map((name) => [name, text])) },
  },
  // Language-tagged variants (OIDC Core §5.2), e.g. "name#de": strings.
  patternProperties: { '^[a-z_]+#[A-Za-z0-9-]{1,35}$': text },
} as const;

function isStringClaim(name: string): boolean {
  return (STRING_CLAIMS as readonly string[]).includes(name) || /^[a-z_]+#[A-Za-z0-9-]{1,35}$/.test(name);
}

/** One claim value in its standard type, or undefined when it cannot be (then the claim is left out). */
function typedValue(name: string, value: unknown): unknown {
  if (isStringClaim(name)) return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
  if ((BOOLEAN_CLAIMS as readonly string[]).includes(name)) {
    if (typeof value === 'boolean') return value;
    // Some providers send the strings "true"/"false" (e.g. Amazon Cognito).
    return value === 'true' ? true : value === 'false' ? false : undefined;
  }
  if (name === 'updated_at') {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    if (typeof value === 'string') {
      const ms = Date.parse(value); // ISO 8601 from providers that send a date
      return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
    }
    return undefined;
  }
  if (name === 'address') {
    if (!isObject(value)) return undefined;
    const out: Record<string, string> = {};
    for (const member of ADDRESS_MEMBERS) {
      const v = value[member];
      if (typeof v === 'string') out[member] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value; // a custom claim: as it came
}

/** Claims from outside (an upstream's ID token or userinfo) coerced to their standard types; mistyped ones dropped. */
export function wellTypedClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue;
    const typed = typedValue(name, value);
    if (typed !== undefined) out[name] = typed;
  }
  return out;
}
