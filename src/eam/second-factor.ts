/**
 * The second factor of an EAM sign-in, through the interaction's second-factor step (identity/second-factor.ts):
 * which of the user's factors answer what Entra asked for (methods.ts), and checking one.
 * TODO(merge wip-mfa): enrolled factors, code checks and completeSecondFactor come from identity/.
 */
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import type { Interaction } from '../identity/interaction.js';
import type { EamContext } from './context.js';
import { usableFactors } from './methods.js';

/** The user's factors (`otp`, `fido`) that can answer the request, in preference order. */
export async function eamFactors(_provider: Provider, _community: Community, _interaction: Interaction, context: EamContext): Promise<string[]> {
  const enrolled: string[] = [];
  return usableFactors(context.requested, enrolled);
}

/** A passed factor reports its RFC 8176 methods (finish.ts picks the one to tell Entra). */
export type FactorResult = { ok: true; amr: string[] } | { ok: false; retryAfter?: number };

/** Checks a TOTP code of the interaction's user. */
export async function checkEamCode(_provider: Provider, _community: Community, _interaction: Interaction, _context: EamContext, _code: string, _address: string): Promise<FactorResult> {
  return { ok: false };
}
