/**
 * Authentication context class references (OIDC Core §2 `acr`, §3.1.2.1 `acr_values`, §5.5.1.1 essential `acr`).
 * The one place that decides which acr a login achieved and whether it satisfies a request; second factors and
 * other methods extend `achievedAcr`.
 *
 * - a password login: `urn:tessera:acr:pwd`;
 * - a login with more than one factor (amr `mfa`, or two or more of RFC 8176's factor methods): `urn:tessera:acr:mfa`;
 * - an upstream login: `idp:NAME` (identity/upstream/sign-in.ts passes it as `fallback`).
 * `acr_values` entries `idp:NAME` and `tenant:NAME` are routing hints (seed 004), not levels.
 */
export const PASSWORD_ACR = 'urn:tessera:acr:pwd';
export const MULTI_FACTOR_ACR = 'urn:tessera:acr:mfa';

/** RFC 8176 methods that are a factor of their own (knowledge, possession, inherence). */
const FACTORS = new Set(['pwd', 'pin', 'otp', 'hwk', 'swk', 'sms', 'tel', 'face', 'fpt', 'iris', 'retina', 'vbm', 'user', 'pop', 'sc']);

/** The acr a login with these `amr` values achieved; `fallback` when none applies (e.g. `idp:NAME`). */
export function achievedAcr(amr: readonly string[], fallback: string | null = null): string | null {
  const factors = amr.filter((m) => FACTORS.has(m));
  if (amr.includes('mfa') || new Set(factors).size >= 2) return MULTI_FACTOR_ACR;
  if (fallback) return fallback;
  if (amr.includes('pwd')) return PASSWORD_ACR;
  return null;
}

/*
 * Second factors (identity/second-factor.ts, identity/mfa-policy.ts). Other names RPs use for the multi-factor
 * level are accepted in acr_values and echoed in the ID token: REFEDS MFA and PAPE's multi-factor policy.
 */
const MULTI_FACTOR_ALIASES: ReadonlySet<string> = new Set([
  MULTI_FACTOR_ACR,
  'https://refeds.org/profile/mfa',
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
]);

/** Levels in increasing strength: a stronger achieved acr satisfies a request for a weaker one (or an alias of it). */
const STRENGTH: Readonly<Record<string, number>> = { [PASSWORD_ACR]: 1, ...Object.fromEntries([...MULTI_FACTOR_ALIASES].map((v) => [v, 2])) };

/** Whether `achieved` meets one of `requested` (exact match, or a stronger Tessera level). */
export function acrSatisfies(achieved: string | null, requested: readonly string[]): boolean {
  if (requested.length === 0) return true;
  if (!achieved) return false;
  if (requested.includes(achieved)) return true;
  const strength = STRENGTH[achieved];
  return strength !== undefined && requested.some((r) => STRENGTH[r] !== undefined && STRENGTH[r]! <= strength);
}

/** The acr levels named in acr_values, without the routing hints (idp:, tenant:). */
export function acrLevels(acrValues: string | undefined): string[] {
  return (acrValues ?? '').split(' ').filter((v) => v !== '' && !v.startsWith('idp:') && !v.startsWith('tenant:'));
}

/** `acr_values=tenant:NAME`: the tenant the login is for (shown on the login page), if any. */
export function requestedTenant(acrValues: string | undefined): string | undefined {
  const entry = (acrValues ?? '').split(' ').find((v) => v.startsWith('tenant:') && v.length > 'tenant:'.length);
  return entry?.slice('tenant:'.length);
}

/** Levels published in discovery (`acr_values_supported`). */
export const ACR_VALUES_SUPPORTED = [PASSWORD_ACR, MULTI_FACTOR_ACR] as const;

/** Whether the methods make a multi-factor login (see achievedAcr). */
export function isMultiFactor(amr: readonly string[]): boolean {
  return achievedAcr(amr) === MULTI_FACTOR_ACR;
}

/**
 * `acr_values` demands multi-factor when it names the multi-factor level (or an alias) and nothing a single factor
 * meets (the values are voluntary, in order of preference: a request that also accepts one factor gets what the
 * user has).
 */
export function acrValuesDemandMfa(acrValues: string | undefined): boolean {
  return levelsDemandMfa(acrLevels(acrValues));
}

/** Whether acr levels (acr_values, or an essential `acr` of the claims parameter) are met only by multi-factor. */
export function levelsDemandMfa(levels: readonly string[]): boolean {
  return levels.some((v) => MULTI_FACTOR_ALIASES.has(v)) && !acrSatisfies(PASSWORD_ACR, levels);
}

/**
 * The acr after a second factor: the multi-factor level, named as the request named it when it asked for an alias;
 * `current` (e.g. `idp:NAME`) when the methods are not multi-factor.
 */
export function acrAfterSecondFactor(amr: readonly string[], current: string | null, acrValues: string | undefined): string | null {
  const achieved = achievedAcr(amr, current);
  if (achieved !== MULTI_FACTOR_ACR) return achieved;
  return acrLevels(acrValues).find((v) => MULTI_FACTOR_ALIASES.has(v)) ?? MULTI_FACTOR_ACR;
}

/** RFC 8176 methods after a second factor: the earlier ones, the factor's, and `mfa` (a second factor passed). */
export function addMethods(amr: readonly string[], added: readonly string[]): string[] {
  return [...new Set([...amr, ...added, 'mfa'])];
}
