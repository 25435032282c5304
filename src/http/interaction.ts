/** GET/POST {issuer}/v1/interaction/{uid}: the login form, then the consent form, then the authorization response. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import {
  INTERACTION_COOKIE,
  InteractionError,
  checkCsrf,
  finishInteraction,
  needsConsent,
  openInteraction,
  submitLogin,
  type Interaction,
} from '../identity/interaction.js';
import { SESSION_COOKIE, communityCookiePath } from '../identity/sessions.js';
import { findUserById } from '../store/users.js';
import { consentPage, errorPage, loginPage } from '../ui/pages.js';
import { OAuthError } from '../oauth/errors.js';
import { communityOf, cookieOptions, formParams, noStore, sendPage } from './respond.js';
import { upstreamButtonsFor } from './upstream.js';
import { eamInteractionPage, eamInteractionSubmit } from './eam.js';
import { sendAuthorizationResponse } from './authorization-response.js';

async function render(provider: Provider, community: Community, interaction: Interaction, reply: FastifyReply, error?: string, username?: string) {
  const clientName = interaction.client.metadata.client_name ?? interaction.client.metadata.client_id;
  if (!interaction.login) {
    const upstreams = await upstreamButtonsFor(provider, community, interaction);
    return sendPage(reply, loginPage({ communityName: community.name, clientName, csrf: interaction.row.csrf, username: username ?? interaction.request.login_hint, error, upstreams }));
  }
  const user = await findUserById(provider.db, community.id, interaction.login.userId);
  return sendPage(reply, consentPage({ clientName, username: user?.username ?? '', scopes: interaction.request.scope, csrf: interaction.row.csrf }));
}

export function interactionRoutes(app: FastifyInstance, provider: Provider): void {
  const path = '/oauth2/community/:community/v1/interaction/:uid';
  const load = async (request: FastifyRequest) => {
    const community = await communityOf(provider, request);
    const { uid } = request.params as { uid: string };
    return { community, interaction: await openInteraction(provider, community, uid, request.cookies[INTERACTION_COOKIE]) };
  };
  const guard = (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await handler(request, reply);
    } catch (err) {
      if (err instanceof InteractionError) return sendPage(reply, errorPage(400, 'invalid_request', err.message));
      if (err instanceof OAuthError && err.status !== 404) return sendPage(reply, errorPage(err.status, err.error, err.description));
      throw err;
    }
  };

  app.get(path, guard(async (request, reply) => {
    const { community, interaction } = await load(request);
    if (interaction.row.eam) return eamInteractionPage(provider, community, interaction, reply);
    return render(provider, community, interaction, reply);
  }));

  app.post(path, guard(async (request, reply) => {
    const { community, interaction } = await load(request);
    if (interaction.row.eam) return eamInteractionSubmit(provider, community, interaction, request, reply);
    const form = formParams(request);
    checkCsrf(interaction, form.get('csrf'));
    noStore(reply);
    if (!interaction.login) {
      const username = form.get('username') ?? '';
      const result = await submitLogin(provider, community, interaction, username, form.get('password') ?? '', request.cookies[SESSION_COOKIE]);
      if (!result.ok) return render(provider, community, interaction, reply, 'The username or password is incorrect.', username);
      reply.setCookie(SESSION_COOKIE, result.cookie, cookieOptions(provider, communityCookiePath(community)));
      // Post/Redirect/Get: show the consent page on its own GET.
      if (await needsConsent(provider, community, interaction)) return reply.redirect(request.url, 303);
      return sendAuthorizationResponse(reply, await finishInteraction(provider, community, interaction, 'allow'));
    }
    const decision = form.get('decision');
    if (decision !== 'allow' && decision !== 'deny') return render(provider, community, interaction, reply, undefined);
    return sendAuthorizationResponse(reply, await finishInteraction(provider, community, interaction, decision));
  }));
}
