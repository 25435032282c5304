/**
 * What Microsoft Entra asks of an external authentication method and what Tessera answers (MS-EAM):
 * - the request's `claims` names the acceptable `acr` values (authentication types) and `amr` values (methods):
 *   `{"id_token":{"acr":{"essential":true,"values":[…]},"amr":{"essential":true,"values":[…]}}}`;
 * - the ID token carries one `acr` among the requested values and an `amr` of exactly one method whose type
 *   satisfies that acr — possession: fido hwk otp pop sc sms swk tel; inherence: face fpt iris retina vbm (no
 *   knowledge-type method exists, so `knowledge` alone cannot be satisfied).
 */
import { invalidRequest } from '../oauth/errors.js';

export const EAM_ACR_VALUES = [
  'possessionorinherence',
  'knowledgeorpossession',
  'knowledgeorinherence',
  'knowledgeorpossessionorinherence',
  'knowledge',
  'possession',
  'inherence',
] as const;

const POSSESSION = new Set(['fido', 'hwk', 'otp', 'pop', 'sc', 'sms', 'swk', 'tel']);
const INHERENCE = new Set(['face', 'fpt', 'iris', 'retina', 'vbm']);

export type MethodType = 'possession' | 'inherence';

export function methodType(amr: string): MethodType | undefined {
  if (POSSESSION.has(amr)) return 'possession';
  if (INHERENCE.has(amr)) return 'inherence';
  return undefined;
}

/** What Entra asked for: the acceptable acr values (in its order) and methods. */
export interface EamRequestedClaims {
  acr: string[];
  amr: string[];
}

function values(member: unknown, name: string): string[] | undefined {
  if (member === undefined || member === null) return undefined;
  if (typeof member !== 'object' || Array.isArray(member)) throw invalidRequest(`claims.id_token.${name} must be an object`);
  const list = (member as { values?: unknown }).values;
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length > 50 || !list.every((v) => typeof v === 'string' && v.length <= 100)) {
    throw invalidRequest(`claims.id_token.${name}.values must be an array of strings`);
  }
  return list as string[];
}

/** Parses the `claims` parameter of an EAM request: acr values are required (and must be known), amr values optional. */
export function parseEamClaims(raw: string | undefined): EamRequestedClaims {
  if (raw === undefined) throw invalidRequest('claims with the requested id_token acr values is required');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidRequest('claims is not JSON');
  }
  const idToken = (parsed as { id_token?: unknown } | null)?.id_token;
  if (idToken === null || typeof idToken !== 'object' || Array.isArray(idToken)) throw invalidRequest('claims.id_token must be an object');
  const { acr, amr } = idToken as { acr?: unknown; amr?: unknown };
  const acrValues = (values(acr, 'acr') ?? []).filter((v) => (EAM_ACR_VALUES as readonly string[]).includes(v));
  if (acrValues.length === 0) throw invalidRequest('claims.id_token.acr.values names no known authentication type');
  return { acr: acrValues, amr: (values(amr, 'amr') ?? []).filter((v) => methodType(v) !== undefined) };
}

/**
 * The `acr` to answer when the user completed `method`: the first requested value its type satisfies; undefined
 * when none does or when Entra's amr list excludes the method.
 */
export function acrFor(requested: EamRequestedClaims, method: string): string | undefined {
  const type = methodType(method);
  if (!type) return undefined;
  if (requested.amr.length > 0 && !requested.amr.includes(method)) return undefined;
  return requested.acr.find((acr) => acr.includes(type));
}

/**
 * How Tessera's second factors (identity/mfa-policy.ts) report themselves (RFC 8176): TOTP as `otp`; a passkey as
 * `hwk` (device-bound) or `swk` (synced) together with `fido`.
 */
export const FACTOR_METHODS: Readonly<Record<string, readonly string[]>> = { otp: ['otp'], fido: ['hwk', 'swk', 'fido'] };

/** Of the factors a user could use (in preference order), those that can answer the request. */
export function usableFactors(requested: EamRequestedClaims, factors: readonly string[]): string[] {
  return factors.filter((f) => (FACTOR_METHODS[f] ?? []).some((m) => acrFor(requested, m) !== undefined));
}

/** The one method to report for a completed factor's methods (`amr`): the first the request accepts. */
export function answerMethod(requested: EamRequestedClaims, amr: readonly string[]): string | undefined {
  return amr.find((m) => acrFor(requested, m) !== undefined);
}
