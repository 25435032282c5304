/**
 * GET/POST {issuer}/v1/authorize. Untrusted client or redirect_uri → an error page (never a redirect); other errors
 * → the redirect_uri with `error`, `state`, `iss` in the response mode (303 for query/fragment, a form_post page). No CORS here (RFC 9700 §2.6).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { authorize } from '../oauth/authorize/index.js';
import { resolveAuthorizationParams } from '../oauth/authorize/request-object.js';
import { RedirectableError } from '../oauth/authorize/pipeline.js';
import { OAuthError } from '../oauth/errors.js';
import { INTERACTION_COOKIE, interactionPath } from '../identity/interaction.js';
import { errorPage } from '../ui/pages.js';
import { redirectToRequestedUpstream } from './upstream.js';
import { communityOf, cookieOptions, formParams, noStore, pageTranslator, queryParams, sendPage } from './respond.js';
import { browserCookies } from './session-cookies.js';
import { PROOF_PARAM } from '../service/proof-of-authentication.js';
import { externalLoginLocation } from '../service/community-settings.js';
import { proofOfAuthenticationResponse } from './proof-of-authentication.js';
import { eamAuthorizeResponse } from './eam.js';
import { sendAuthorizationResponse } from './authorization-response.js';

export function authorizeRoutes(app: FastifyInstance, provider: Provider): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const community = await communityOf(provider, request);
    try {
      const sent = request.method === 'POST' ? formParams(request) : queryParams(request);
      // Microsoft Entra external authentication (issue 7): an EAM client's requests follow their own contract.
      const eam = await eamAuthorizeResponse(provider, community, sent, request, reply);
      if (eam) return eam;
      // Service API (issue 6): a sign-in vouched for by a trusted authenticator (plain form parameters, as the
      // client libraries send them); without it the usual flow.
      if (request.method === 'POST' && sent.has(PROOF_PARAM)) return await proofOfAuthenticationResponse(provider, community, sent, reply);
      // A request object or a pushed request's request_uri stands for the parameters (RFC 9101, RFC 9126).
      const params = await resolveAuthorizationParams(provider, community, sent);
      const outcome = await authorize(provider, community, params, browserCookies(request));
      noStore(reply);
      if (outcome.kind === 'response') return sendAuthorizationResponse(reply, outcome.response);
      const path = interactionPath(community, outcome.uid);
      reply.setCookie(INTERACTION_COOKIE, outcome.browserToken, cookieOptions(provider, path, provider.config.lifetimes.interaction));
      const upstream = await redirectToRequestedUpstream(provider, community, outcome.uid, reply);
      if (upstream) return upstream;
      // A community with an external login UI (login_ui_url) signs users in there (service/community-settings.ts).
      return reply.redirect((await externalLoginLocation(provider, community, outcome.uid)) ?? path, 303);
    } catch (err) {
      if (err instanceof RedirectableError) {
        return sendAuthorizationResponse(reply, err.toResponse(community.issuer));
      }
      if (err instanceof OAuthError) return sendPage(reply, errorPage(pageTranslator(request), 400, err.error, { text: err.description }));
      throw err;
    }
  };
  app.get('/oauth2/community/:community/v1/authorize', handler);
  app.post('/oauth2/community/:community/v1/authorize', handler);
}

