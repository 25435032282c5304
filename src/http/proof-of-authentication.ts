/**
 * The answer to POST {issuer}/v1/authorize with a proof_of_authentication_jwt (service/proof-of-authentication.ts):
 * the code with state and iss for the redirect_uri, in the request's response mode (303, or a form_post page); an
 * invalid proof → `error` to the (validated) redirect_uri likewise; no trusted redirect_uri → JSON 400 (these callers are programs, not browsers).
 */
import type { FastifyReply } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import type { Params } from '../oauth/params.js';
import { OAuthError } from '../oauth/errors.js';
import { RedirectableError } from '../oauth/authorize/pipeline.js';
import { authorizeWithProof } from '../service/proof-of-authentication.js';
import { sendOAuthError } from './respond.js';
import { sendAuthorizationResponse } from './authorization-response.js';

export async function proofOfAuthenticationResponse(provider: Provider, community: Community, params: Params, reply: FastifyReply): Promise<FastifyReply> {
  try {
    return sendAuthorizationResponse(reply, await authorizeWithProof(provider, community, params));
  } catch (err) {
    if (err instanceof RedirectableError) {
      provider.log.info({ community: community.name, error: err.cause.error }, 'proof of authentication refused');
      return sendAuthorizationResponse(reply, err.toResponse(community.issuer));
    }
    if (err instanceof OAuthError) return sendOAuthError(reply, new OAuthError(err.error, err.description, 400));
    throw err;
  }
}
