/**
 * Upstream identity providers over HTTP (identity/upstream/):
 * - POST {issuer}/v1/interaction/{uid}/upstream: a login-page button (CSRF-checked, bound to the interaction's
 *   browser) → 303 to the upstream's authorization endpoint;
 * - GET {issuer}/v1/upstream/callback: the upstream's authorization response → the local session, then the
 *   interaction continues (consent page or the client's redirect_uri);
 * - the `acr_values=idp:NAME` shortcut the authorization endpoint takes instead of showing the login page.
 * Failures are error pages (400) with a plain message, never a 5xx.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import { INTERACTION_COOKIE, InteractionError, checkCsrf, interactionPath, openInteraction, type Interaction } from '../identity/interaction.js';
import type { AuthorizationRequest } from '../oauth/authorize/request.js';
import { OAuthError } from '../oauth/errors.js';
import { findUpstream, listUpstreams, requestedIdp, type Upstream } from '../identity/upstream/config.js';
import { UPSTREAM_COOKIE, completeUpstreamLogin, startUpstreamLogin, upstreamCookiePath, type CallbackQuery } from '../identity/upstream/flow.js';
import { UpstreamLoginError } from '../identity/upstream/errors.js';
import { signInFromUpstream } from '../identity/upstream/sign-in.js';
import { upstreamButtons } from '../ui/upstream-buttons.js';
import type { Translator } from '../ui/i18n.js';
import { errorPage } from '../ui/pages.js';
import { communityOf, cookieOptions, formParams, noStore, pageTranslator, sendPage } from './respond.js';
import { browserCookies, setCurrentSession } from './session-cookies.js';
import { sendAuthorizationResponse } from './authorization-response.js';

async function redirectUpstream(provider: Provider, community: Community, upstream: Upstream, interaction: { uid: string; expiresAt: number; request: AuthorizationRequest }, reply: FastifyReply): Promise<FastifyReply> {
  const started = await startUpstreamLogin(provider, community, upstream, interaction);
  reply.setCookie(UPSTREAM_COOKIE, started.browserToken, cookieOptions(provider, upstreamCookiePath(community), started.cookieMaxAge));
  return noStore(reply).redirect(started.location, 303);
}

/** The login page's upstream buttons for this interaction ('' when the community has none). */
export async function upstreamButtonsFor(provider: Provider, community: Community, interaction: Interaction, tr: Translator): Promise<string> {
  const upstreams = await listUpstreams(provider, community);
  return upstreamButtons({ action: `${interactionPath(community, interaction.row.uid)}/upstream`, csrf: interaction.row.csrf, upstreams, heading: tr.text('login.upstreams'), verb: tr.text('login.continueWith') });
}

/**
 * `acr_values=idp:NAME` (seed 004): an interaction that needs a login goes straight to upstream NAME. An unknown
 * NAME, or an upstream that cannot be reached, leaves the login page to the user (undefined).
 */
export async function redirectToRequestedUpstream(provider: Provider, community: Community, uid: string, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const row = await provider.shortLived.findLiveInteraction(community.id, uid, provider.clock.now());
  if (!row || row.user_id) return undefined;
  const request = JSON.parse(row.request) as AuthorizationRequest;
  const name = requestedIdp(request.acr_values);
  const upstream = name === undefined ? undefined : await findUpstream(provider, community, name);
  if (!upstream) return undefined;
  try {
    return await redirectUpstream(provider, community, upstream, { uid, expiresAt: row.expires_at, request }, reply);
  } catch (err) {
    if (!(err instanceof UpstreamLoginError)) throw err;
    provider.log.warn({ community: community.name, upstream: upstream.name, err: err.message }, 'upstream unavailable: showing the login page');
    return undefined;
  }
}

export function upstreamRoutes(app: FastifyInstance, provider: Provider): void {
  const guard = (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await handler(request, reply);
    } catch (err) {
      if (err instanceof UpstreamLoginError) {
        provider.log.info({ url: request.url.split('?')[0], code: err.code, err: err.message }, 'upstream login failed');
        return sendPage(reply, errorPage(pageTranslator(request), err.status, err.code, { text: err.message }));
      }
      if (err instanceof InteractionError) return sendPage(reply, errorPage(pageTranslator(request), 400, 'invalid_request', err.messageId));
      if (err instanceof OAuthError && err.status !== 404) return sendPage(reply, errorPage(pageTranslator(request), err.status, err.error, { text: err.description }));
      throw err;
    }
  };

  app.post('/oauth2/community/:community/v1/interaction/:uid/upstream', guard(async (request, reply) => {
    const community = await communityOf(provider, request);
    const { uid } = request.params as { uid: string };
    const interaction = await openInteraction(provider, community, uid, request.cookies[INTERACTION_COOKIE]);
    const form = formParams(request);
    checkCsrf(interaction, form.get('csrf'));
    if (interaction.login) throw new InteractionError('error.alreadySignedIn');
    if (interaction.row.eam) throw new InteractionError('eam.noSignIn');
    const upstream = await findUpstream(provider, community, form.get('upstream') ?? '');
    if (!upstream) throw new UpstreamLoginError('invalid_request', 'This sign-in provider is not configured.');
    return redirectUpstream(provider, community, upstream, { uid, expiresAt: interaction.row.expires_at, request: interaction.request }, reply);
  }));

  app.get('/oauth2/community/:community/v1/upstream/callback', guard(async (request, reply) => {
    const community = await communityOf(provider, request);
    noStore(reply);
    // The binding cookie has done its job whatever the outcome.
    reply.clearCookie(UPSTREAM_COOKIE, { path: upstreamCookiePath(community) });
    const identity = await completeUpstreamLogin(provider, community, request.query as CallbackQuery, request.cookies[UPSTREAM_COOKIE]);
    const cookies = browserCookies(request);
    const signedIn = await signInFromUpstream(provider, community, identity, cookies.session);
    setCurrentSession(reply, provider, community, cookies, signedIn.cookie, signedIn.kept);
    if ('response' in signedIn) return sendAuthorizationResponse(reply, signedIn.response);
    return reply.redirect(signedIn.location, 303);
  }));
}
