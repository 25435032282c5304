/**
 * The second factor of an EAM sign-in, through the interaction's second-factor step (identity/second-factor.ts):
 * which of the user's factors answer what Entra asked for (methods.ts), and checking one.
 * TODO(merge wip-mfa): enrolled factors, code checks and completeSecondFactor come from identity/.
 */
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import type { Interaction } from '../identity/interaction.js';
import type { EamContext } from './context.js';
import { usableMethods } from './methods.js';

/** The user's factors (RFC 8176 methods) that answer the request, in preference order. */
export async function eamFactors(_provider: Provider, _community: Community, _interaction: Interaction, context: EamContext): Promise<string[]> {
  const enrolled: string[] = [];
  return usableMethods(context.requested, enrolled);
}

export type FactorResult = { ok: true; method: string } | { ok: false; retryAfter?: number };

/** Checks a TOTP code of the interaction's user. */
export async function checkEamCode(_provider: Provider, _community: Community, _interaction: Interaction, _context: EamContext, _code: string, _address: string): Promise<FactorResult> {
  return { ok: false };
}
