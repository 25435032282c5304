/**
 * Pushed authorization requests (RFC 9126): an authenticated client POSTs its authorization request (plain
 * parameters or a request object) and gets a one-time `request_uri` valid for PAR_LIFETIME seconds to send the
 * browser to the authorization endpoint with. The request is validated now, as authorize would, so errors come back
 * to the client as JSON instead of to the user.
 */
import { authenticateClient } from './client-auth.js';
import { OAuthError, invalidRequest } from './errors.js';
import { Params } from './params.js';
import { randomToken } from '../keys/secrets.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { RedirectableError, UntrustedRequestError, validateAuthorizationRequest } from './authorize/pipeline.js';
import { PAR_URN_PREFIX, requestObjectParams } from './authorize/request-object.js';

export const PAR_LIFETIME = 60;
/** Client authentication travels with the pushed request but is not part of the authorization request. */
const CLIENT_AUTH_PARAMS = ['client_secret', 'client_assertion', 'client_assertion_type'];

export interface PushedAuthorizationResponse {
  request_uri: string;
  expires_in: number;
}

export async function pushAuthorizationRequest(provider: Provider, community: Community, authorization: string | undefined, params: Params): Promise<PushedAuthorizationResponse> {
  const endpoint = `${community.issuer}/v1/par`;
  const client = await authenticateClient(provider, community, { authorization, params, audiences: [community.issuer, endpoint, `${community.issuer}/v1/token`] });
  const clientId = client.metadata.client_id;
  if (params.has('request_uri')) throw invalidRequest('request_uri must not be pushed (RFC 9126 section 2.1)');
  const request = params.get('request');
  let fields: Record<string, string>;
  if (request !== undefined) {
    fields = await requestObjectParams(provider, community, client, request);
  } else {
    fields = params.toRecord();
    for (const name of CLIENT_AUTH_PARAMS) delete fields[name];
  }
  if (fields.client_id !== undefined && fields.client_id !== clientId) throw invalidRequest('client_id does not match the authenticated client');
  fields.client_id = clientId;
  try {
    await validateAuthorizationRequest(provider, community, Params.from(fields));
  } catch (err) {
    if (err instanceof RedirectableError) throw err.cause;
    if (err instanceof UntrustedRequestError) throw new OAuthError(err.error, err.description);
    throw err;
  }
  const now = provider.clock.now();
  const requestUri = `${PAR_URN_PREFIX}${randomToken(32)}`;
  await provider.shortLived.insertPushedRequest({ request_uri: requestUri, community_id: community.id, client_id: clientId, params: JSON.stringify(fields), expires_at: now + PAR_LIFETIME });
  provider.log.info({ community: community.name, client: clientId }, 'authorization request pushed');
  return { request_uri: requestUri, expires_in: PAR_LIFETIME };
}
