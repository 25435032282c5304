/** The token endpoint (RFC 6749 §3.2): authenticate the client, then hand the request to its grant handler. */
import { OAuthError, invalidRequest, unauthorizedClient } from './errors.js';
import { authenticateClient } from './client-auth.js';
import { grantHandlers } from './grants/index.js';
import type { Params } from './params.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import type { TokenResponse } from './tokens.js';
import type { GrantType } from './client.js';

export async function tokenRequest(provider: Provider, community: Community, authorization: string | undefined, params: Params, address = 'unknown'): Promise<TokenResponse> {
  const grantType = params.get('grant_type');
  if (grantType === undefined) throw invalidRequest('grant_type is required');
  const token_endpoint = `${community.issuer}/v1/token`;
  const client = await authenticateClient(provider, community, { authorization, params, audiences: [community.issuer, token_endpoint] });
  const handler = grantHandlers.get(grantType);
  if (!handler) throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  if (!client.metadata.grant_types.includes(grantType as GrantType)) throw unauthorizedClient(`client may not use grant_type ${grantType}`);
  return handler.handle({ provider, community, client, params, address });
}
