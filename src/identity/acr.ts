/**
 * Authentication levels (OIDC Core §2 `acr`) and methods (RFC 8176 `amr`). The one place that decides which level a
 * set of methods reaches and whether an `acr_values` request demands multi-factor authentication.
 *
 * Levels: the REFEDS profiles — `https://refeds.org/profile/mfa` (multi-factor) and `https://refeds.org/profile/sfa`
 * (single factor) — and, accepted as requests for multi-factor, PAPE's multi-factor policy URI and the short `mfa`.
 */
export const ACR_MFA = 'https://refeds.org/profile/mfa';
export const ACR_SFA = 'https://refeds.org/profile/sfa';
const MFA_ALIASES = new Set([ACR_MFA, 'http://schemas.openid.net/pape/policies/2007/06/multi-factor', 'mfa']);
const SFA_ALIASES = new Set([ACR_SFA, 'sfa', '1', '0']);

/** Levels published in discovery (`acr_values_supported`). */
export const ACR_VALUES_SUPPORTED = [ACR_SFA, ACR_MFA] as const;

/** RFC 8176 methods by factor kind: something you know, have, are. */
const KNOW = new Set(['pwd', 'pin', 'kba']);
const HAVE = new Set(['otp', 'hwk', 'swk', 'sms', 'tel', 'sc', 'pop', 'fido']);
const ARE = new Set(['face', 'fpt', 'iris', 'retina', 'vbm', 'user', 'bio']);
/** A sign-in at an upstream identity provider counts as one factor, whatever it used there. */
const FEDERATED = new Set(['fed']);

/** Whether the methods used make a multi-factor authentication (`mfa` itself, or two kinds of factor). */
export function isMultiFactor(amr: readonly string[]): boolean {
  if (amr.includes('mfa')) return true;
  const kinds = [KNOW, HAVE, ARE, FEDERATED].filter((kind) => amr.some((m) => kind.has(m))).length;
  return kinds >= 2;
}

function requested(acrValues: string | undefined): string[] {
  return (acrValues ?? '').split(' ').filter((v) => v !== '' && !v.startsWith('idp:'));
}

/**
 * `acr_values` demands multi-factor when it names a multi-factor level and no single-factor alternative (the values
 * are voluntary and in order of preference: a request that also accepts a single factor gets what the user has).
 */
export function acrValuesDemandMfa(acrValues: string | undefined): boolean {
  const values = requested(acrValues);
  return values.some((v) => MFA_ALIASES.has(v)) && !values.some((v) => SFA_ALIASES.has(v));
}

/**
 * The `acr` of a login: multi-factor methods reach the multi-factor level (named as the request named it, when it
 * asked for one of its aliases); otherwise the level already recorded (e.g. `idp:NAME` of an upstream login), or the
 * single-factor level when the request asked for levels, or none (no claim).
 */
export function acrFor(amr: readonly string[], current: string | null, acrValues?: string): string | null {
  const values = requested(acrValues);
  if (isMultiFactor(amr)) return values.find((v) => MFA_ALIASES.has(v)) ?? ACR_MFA;
  if (current && !MFA_ALIASES.has(current)) return current;
  return values.find((v) => SFA_ALIASES.has(v)) ?? (values.length > 0 ? ACR_SFA : null);
}

/** The methods after a second factor: the earlier ones, the factor's, and `mfa` (RFC 8176) once multi-factor. */
export function addMethods(amr: readonly string[], added: readonly string[]): string[] {
  const out = [...amr];
  for (const m of added) if (!out.includes(m)) out.push(m);
  if (isMultiFactor(out) && !out.includes('mfa')) out.push('mfa');
  return out;
}
