/**
 * The EAM context kept on an interaction record (`interactions.eam`, JSON; in Redis with the rest of the row): who
 * Entra says is signing in (the validated id_token_hint's `sub`, `oid`, `tid`, `preferred_username`), what it asked
 * for (acr/amr values), its `client-request-id`, and the local user the identity was matched to.
 */
import type { EntraHint } from './entra-hint.js';
import type { EamRequestedClaims } from './methods.js';

export interface EamContext extends EntraHint {
  requested: EamRequestedClaims;
  client_request_id?: string;
  /** The local user; `link` when an existing link named them, `username` when matched by preferred_username. */
  user_id: string;
  matched_by: 'link' | 'username';
}

export function parseEamContext(raw: string | null | undefined): EamContext | undefined {
  if (!raw) return undefined;
  return JSON.parse(raw) as EamContext;
}
