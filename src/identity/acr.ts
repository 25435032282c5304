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

/** Levels in increasing strength: a stronger achieved acr satisfies a request for a weaker one. */
const STRENGTH: Readonly<Record<string, number>> = { [PASSWORD_ACR]: 1, [MULTI_FACTOR_ACR]: 2 };

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
