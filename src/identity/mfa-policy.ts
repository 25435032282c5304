/**
 * Second-factor policy: which factors a community allows (`mfa.allowed`: `otp` — TOTP and its recovery codes —,
 * `fido` — passkeys) and whether it requires one (`mfa.required`); a client's `mfa` overrides either; an
 * `acr_values` or an essential `acr` (claims parameter) that demands multi-factor (identity/acr.ts) requires one for
 * that request.
 *
 * When the second step is asked: whenever it is required, and whenever the user has an allowed factor enrolled —
 * a user who set up a second factor expects it to protect every sign-in, not only the ones an application asks for.
 * Required with nothing enrolled: TOTP enrolment on the spot (when `otp` is allowed), right after the password.
 */
import type { Community, ResolvedClient } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import type { AuthorizationRequest } from '../oauth/authorize/request.js';
import { serviceSettingsOf } from '../service/community-settings.js';
import { acrValuesDemandMfa, isMultiFactor, levelsDemandMfa } from './acr.js';
import { essentialAcrValues } from '../oauth/claims-request.js';
import { hasActiveTotp } from './totp.js';
import { hasUserCredential } from '../store/webauthn-credentials.js';
import type { LoginState } from './sessions.js';

export const FACTORS = ['otp', 'fido'] as const;
export type Factor = (typeof FACTORS)[number];

/** The `mfa` object of a community (provisioning) or a client (metadata). */
export interface MfaSettings {
  allowed?: Factor[];
  required?: boolean;
}

export interface MfaPolicy {
  allowed: readonly Factor[];
  required: boolean;
}

export const DEFAULT_MFA: MfaPolicy = { allowed: FACTORS, required: false };

export async function mfaPolicy(provider: Provider, community: Community, client: ResolvedClient | undefined): Promise<MfaPolicy> {
  const own = (await serviceSettingsOf(provider, community)).mfa ?? {};
  const override = client?.metadata.mfa ?? {};
  return {
    allowed: override.allowed ?? own.allowed ?? DEFAULT_MFA.allowed,
    required: override.required ?? own.required ?? DEFAULT_MFA.required,
  };
}

/** The factors the user has enrolled: an active TOTP (`otp`), passkeys (`fido`). */
export async function enrolledFactors(provider: Provider, community: Community, userId: string): Promise<Factor[]> {
  const [otp, fido] = await Promise.all([hasActiveTotp(provider, userId), hasUserCredential(provider.db, community.id, userId)]);
  const out: Factor[] = [];
  if (otp) out.push('otp');
  if (fido) out.push('fido');
  return out;
}

/**
 * Whether this session may add a second factor: always once it is multi-factor; with the password alone only while
 * the user has no factor yet — otherwise a stolen password would be enough to add the attacker's own factor and pass
 * the second step with it from then on.
 */
export async function mayAddFactor(provider: Provider, community: Community, login: LoginState): Promise<boolean> {
  if (isMultiFactor(login.amr)) return true;
  return (await enrolledFactors(provider, community, login.userId)).length === 0;
}

/** What the second step of a sign-in offers: the enrolled factors allowed here, or enrolment of TOTP. */
export interface SecondFactorNeed {
  required: boolean;
  available: Factor[];
  /** Nothing is enrolled but a factor is required: enrol TOTP now (when allowed). */
  enrolOtp: boolean;
}

/** Undefined when the login may go on: it is multi-factor already, or no second factor is required nor enrolled. */
export async function secondFactorNeed(provider: Provider, community: Community, client: ResolvedClient, request: Pick<AuthorizationRequest, 'acr_values' | 'claims'>, login: LoginState): Promise<SecondFactorNeed | undefined> {
  if (isMultiFactor(login.amr)) return undefined;
  const policy = await mfaPolicy(provider, community, client);
  const required = policy.required || acrValuesDemandMfa(request.acr_values) || levelsDemandMfa(essentialAcrValues(request.claims) ?? []);
  const enrolled = await enrolledFactors(provider, community, login.userId);
  const available = enrolled.filter((f) => policy.allowed.includes(f));
  if (!required && available.length === 0) return undefined;
  // Enrolment after the password alone only for a user with no factor at all (see mayAddFactor).
  return { required, available, enrolOtp: enrolled.length === 0 && policy.allowed.includes('otp') };
}
