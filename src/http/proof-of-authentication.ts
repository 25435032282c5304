/**
 * The answer to POST {issuer}/v1/authorize with a proof_of_authentication_jwt (service/proof-of-authentication.ts):
 * 303 to the redirect_uri with code, state and iss; an invalid proof → 303 with `error` to the (validated)
 * redirect_uri; no trusted redirect_uri → JSON 400 (these callers are programs, not browsers).
 */
import type { FastifyReply } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import type { Params } from '../oauth/params.js';
import { OAuthError } from '../oauth/errors.js';
import { RedirectableError } from '../oauth/authorize/pipeline.js';
import { errorRedirect } from '../oauth/authorize/response.js';
import { authorizeWithProof } from '../service/proof-of-authentication.js';
import { noStore, sendOAuthError } from './respond.js';

export async function proofOfAuthenticationResponse(provider: Provider, community: Community, params: Params, reply: FastifyReply): Promise<FastifyReply> {
  try {
    return noStore(reply).redirect(await authorizeWithProof(provider, community, params), 303);
  } catch (err) {
    if (err instanceof RedirectableError) {
      provider.log.info({ community: community.name, error: err.cause.error }, 'proof of authentication refused');
      return noStore(reply).redirect(errorRedirect(err.redirectUri, community.issuer, err.cause, err.state), 303);
    }
    if (err instanceof OAuthError) return sendOAuthError(reply, new OAuthError(err.error, err.description, 400));
    throw err;
  }
}
