/**
 * The authorization request of a Microsoft Entra external authentication method (MS-EAM "request"): an HTML form
 * POST by the browser with `scope=openid`, `response_type=id_token` (compared case-insensitively: Microsoft writes
 * `Id_token`), `response_mode=form_post`, `client_id`, `redirect_uri`, `nonce`, `state`, `id_token_hint`, `claims`
 * and `client-request-id` (logged). Other parameters are ignored, as Microsoft asks.
 *   client (an EAM client) → redirect_uri (registered; errors go back to it by form_post from here on) → state →
 *   response_type → response_mode → scope → nonce → claims → id_token_hint (eam/entra-hint.ts) → the local account
 *   (eam/accounts.ts) → an interaction carrying the EAM context (eam/context.ts).
 */
import { OAuthError, invalidRequest } from '../oauth/errors.js';
import type { Params } from '../oauth/params.js';
import { parseScope } from '../oauth/scopes.js';
import { checkLengths, redirectUriMatches } from '../oauth/authorize/checks.js';
import { RedirectableError, UntrustedRequestError } from '../oauth/authorize/pipeline.js';
import type { AuthorizationRequest } from '../oauth/authorize/request.js';
import type { Community, ResolvedClient } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { startInteraction } from '../identity/interaction.js';
import { EntraHintError, validateEntraHint, type EamSettings } from './entra-hint.js';
import { entraMetadataOf } from './metadata.js';
import { parseEamClaims, usableFactors } from './methods.js';
import { matchAccount } from './accounts.js';
import type { EamContext } from './context.js';

export const EAM_PARAMS = ['scope', 'response_type', 'response_mode', 'client_id', 'redirect_uri', 'nonce', 'state', 'id_token_hint', 'claims', 'client-request-id'] as const;

/** The second factors Tessera can perform (identity/mfa-policy.ts): TOTP (`otp`) and passkeys (`fido`). */
export const EAM_FACTORS = ['otp', 'fido'] as const;

/** The hint is at most 16 KiB (entra-hint.ts); the other parameters are bounded like every authorization parameter. */
const MAX_HINT = 16_384;
const REQUEST_ID = /^[\x21-\x7e]{1,100}$/;

export function isEamClient(client: ResolvedClient): client is ResolvedClient & { metadata: { eam: EamSettings } } {
  return client.metadata.eam !== undefined;
}

async function validatedHint(provider: Provider, client: ResolvedClient & { metadata: { eam: EamSettings } }, hint: string) {
  try {
    return await validateEntraHint(hint, client.metadata.eam, provider.clock.now(), entraMetadataOf(provider));
  } catch (err) {
    if (err instanceof EntraHintError) throw invalidRequest(err.message);
    // Entra's metadata or keys could not be fetched: Entra may try again.
    provider.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'eam: Entra metadata unavailable');
    throw new OAuthError('temporarily_unavailable', 'the identity provider\'s keys could not be fetched, retry shortly');
  }
}

export async function eamAuthorize(provider: Provider, community: Community, client: ResolvedClient & { metadata: { eam: EamSettings } }, params: Params): Promise<{ uid: string; browserToken: string }> {
  let redirectUri: string | undefined;
  try {
    checkLengths(params, ['redirect_uri']);
    redirectUri = params.get('redirect_uri');
  } catch (err) {
    throw err instanceof OAuthError ? new UntrustedRequestError(err.error, err.description) : err;
  }
  if (redirectUri === undefined) throw new UntrustedRequestError('invalid_request', 'redirect_uri is required');
  if (!redirectUriMatches(client, redirectUri)) throw new UntrustedRequestError('invalid_request', 'redirect_uri is not registered for this client');

  let state: string | undefined;
  try {
    checkLengths(params, ['state']);
    state = params.get('state');
  } catch (err) {
    throw err instanceof OAuthError ? new RedirectableError(err, redirectUri, undefined, 'form_post') : err;
  }
  try {
    checkLengths(params, EAM_PARAMS.filter((p) => p !== 'id_token_hint'));
    const requestId = params.get('client-request-id');
    const clientRequestId = requestId !== undefined && REQUEST_ID.test(requestId) ? requestId : undefined;
    const log = { community: community.name, client_id: client.metadata.client_id, client_request_id: clientRequestId };
    provider.log.info(log, 'eam: request from Entra');

    const responseType = params.get('response_type');
    if (responseType === undefined) throw invalidRequest('response_type is required');
    if (responseType.toLowerCase() !== 'id_token') throw new OAuthError('unsupported_response_type', 'an external authentication method answers with response_type id_token');
    const mode = params.get('response_mode');
    if (mode !== undefined && mode !== 'form_post') throw invalidRequest('an external authentication method answers with response_mode form_post');
    if (!parseScope(params.get('scope')).includes('openid')) throw invalidRequest('scope must include openid');
    const nonce = params.get('nonce');
    if (nonce === undefined) throw invalidRequest('nonce is required');
    const requested = parseEamClaims(params.get('claims'));
    if (usableFactors(requested, EAM_FACTORS).length === 0) throw new OAuthError('access_denied', 'none of the requested authentication types can be performed here');
    const hint = params.get('id_token_hint');
    if (hint === undefined) throw invalidRequest('id_token_hint is required');
    if (hint.length > MAX_HINT) throw invalidRequest('id_token_hint is too long');

    const entra = await validatedHint(provider, client, hint);
    const account = await matchAccount(provider, community, entra);
    if (!account) {
      provider.log.info({ ...log, tid: entra.tid }, 'eam: no local account for the Entra identity');
      throw new OAuthError('access_denied', 'no account of this directory is linked to the user');
    }
    const context: EamContext = {
      ...entra,
      requested,
      ...(clientRequestId !== undefined ? { client_request_id: clientRequestId } : {}),
      user_id: account.userId,
      matched_by: account.matchedBy,
    };
    // The stored request (identity/interaction.ts) names the client and where and how the answer goes.
    const request: AuthorizationRequest = {
      client_id: client.metadata.client_id,
      redirect_uri: redirectUri,
      response_type: 'id_token',
      response_mode: 'form_post',
      scope: ['openid'],
      prompt: ['login'],
      nonce,
      ...(state !== undefined ? { state } : {}),
    };
    const started = await startInteraction(provider, community, request, undefined, JSON.stringify(context));
    provider.log.info({ ...log, tid: entra.tid, uid: started.uid, matched_by: account.matchedBy }, 'eam: interaction started');
    return started;
  } catch (err) {
    if (err instanceof OAuthError) throw new RedirectableError(err, redirectUri, state, 'form_post');
    throw err;
  }
}
