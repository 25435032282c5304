/**
 * The second factor of an EAM sign-in, through Tessera's second-factor machinery (identity/mfa-policy.ts,
 * identity/second-factor.ts, identity/passkeys.ts): the user's enrolled factors that the community's and client's
 * MFA policy allows and that answer what Entra asked for (methods.ts), and checking a TOTP code with the same
 * throttle as every other code. Recovery codes are not offered: they prove no possession (RFC 8176 has no method
 * for them that meets Entra's acr values).
 */
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import type { Interaction } from '../identity/interaction.js';
import { enrolledFactors, mfaPolicy } from '../identity/mfa-policy.js';
import { checkCode } from '../identity/second-factor.js';
import type { EamContext } from './context.js';
import { usableFactors } from './methods.js';

/** The user's factors (`otp`, `fido`) that the policy allows and that can answer the request, in preference order. */
export async function eamFactors(provider: Provider, community: Community, interaction: Interaction, context: EamContext): Promise<string[]> {
  const policy = await mfaPolicy(provider, community, interaction.client);
  const enrolled = (await enrolledFactors(provider, community, context.user_id)).filter((f) => policy.allowed.includes(f));
  return usableFactors(context.requested, enrolled);
}

/** A passed factor reports its RFC 8176 methods (finish.ts picks the one to tell Entra). */
export type FactorResult = { ok: true; amr: string[] } | { ok: false; retryAfter?: number };

/**
 * Checks a TOTP code of the interaction's user (identity/second-factor.ts checkCode: throttled per account and
 * address, a used code refused). No device is trusted: Entra's browser never signed in to Tessera.
 */
export async function checkEamCode(provider: Provider, community: Community, interaction: Interaction, context: EamContext, code: string, address: string): Promise<FactorResult> {
  if (!(await eamFactors(provider, community, interaction, context)).includes('otp')) return { ok: false };
  const result = await checkCode(provider, community, { userId: context.user_id, kind: 'totp', code, address, trustedDevice: false });
  return result.ok ? { ok: true, amr: ['otp'] } : result;
}
