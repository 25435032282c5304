/**
 * The end of an Entra EAM interaction (MS-EAM "response"): the interaction is consumed (it completes once), a first
 * link by preferred_username is written (accounts.ts), and the answer is form-POSTed to Entra's redirect_uri:
 * - success: `id_token` and `state`. The ID token is RS256 (a key whose JWK carries x5c), `iss` the discovery issuer,
 *   `aud` the client_id, `sub` the hint's `sub` (Entra checks it is the user it sent), `nonce`, a 5-minute `exp`,
 *   `acr` one of the requested values and `amr` exactly the one method the user completed;
 * - otherwise `error`, `error_description` and `state`.
 * No Tessera SSO session is created or used: Entra performed the first factor, Tessera only the second one, which is
 * not a sign-in to Tessera (a session holding only `otp` would let other applications in on one factor).
 */
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { OAuthError } from '../oauth/errors.js';
import { issueIdToken } from '../oauth/id-token.js';
import { InteractionError, type Interaction } from '../identity/interaction.js';
import { parseEamContext, type EamContext } from './context.js';
import { acrFor, answerMethod } from './methods.js';
import { linkOnFirstUse } from './accounts.js';

/** Seconds an EAM ID token is valid: Entra consumes it at once. */
export const EAM_ID_TOKEN_LIFETIME = 300;

/** What to form-POST to Entra. */
export interface EamResponse {
  redirectUri: string;
  values: Record<string, string | undefined>;
}

/** The fields to POST, in order, without the absent ones. */
export function eamResponseParams(response: EamResponse): [string, string][] {
  return Object.entries(response.values).filter((entry): entry is [string, string] => entry[1] !== undefined);
}

export function eamContextOf(interaction: Interaction): EamContext {
  const context = parseEamContext(interaction.row.eam);
  if (!context) throw new InteractionError('eam.notEam');
  return context;
}

export function eamError(interaction: Interaction, error: OAuthError): EamResponse {
  return { redirectUri: interaction.request.redirect_uri, values: { error: error.error, error_description: error.description, state: interaction.request.state } };
}

/** Ends the interaction with an error for Entra (the user cancelled, or no factor can be used). */
export async function cancelEam(provider: Provider, interaction: Interaction, error: OAuthError): Promise<EamResponse> {
  if (!(await provider.shortLived.consumeInteraction(interaction.row.uid, provider.clock.now()))) throw new InteractionError('error.completed');
  return eamError(interaction, error);
}

/** The user completed a second factor reported as `amr` (RFC 8176 values): the ID token for Entra, with one of them. */
export async function finishEam(provider: Provider, community: Community, interaction: Interaction, amr: readonly string[]): Promise<EamResponse> {
  const context = eamContextOf(interaction);
  const method = answerMethod(context.requested, amr);
  const acr = method === undefined ? undefined : acrFor(context.requested, method);
  if (method === undefined || acr === undefined) throw new InteractionError('eam.methodMismatch');
  const now = provider.clock.now();
  if (!(await provider.shortLived.consumeInteraction(interaction.row.uid, now))) throw new InteractionError('error.completed');
  const log = { community: community.name, uid: interaction.row.uid, client_request_id: context.client_request_id, tid: context.tid };
  if (!(await linkOnFirstUse(provider, community, context))) {
    provider.log.warn(log, 'eam: the Entra identity was linked to another account meanwhile');
    return eamError(interaction, new OAuthError('access_denied', 'the user is linked to another account'));
  }
  // Microsoft supports RS256 only (provisioning also holds EAM clients to it).
  const client = { ...interaction.client, metadata: { ...interaction.client.metadata, id_token_signed_response_alg: 'RS256' as const } };
  const idToken = await issueIdToken(community, client, {
    sub: context.sub,
    now,
    lifetime: EAM_ID_TOKEN_LIFETIME,
    authTime: now,
    nonce: interaction.request.nonce ?? null,
    acr,
    amr: [method],
  });
  provider.log.info({ ...log, acr, amr: method }, 'eam: second factor completed, ID token sent to Entra');
  return { redirectUri: interaction.request.redirect_uri, values: { id_token: idToken, state: interaction.request.state } };
}
