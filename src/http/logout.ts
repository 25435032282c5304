/** GET/POST {issuer}/v1/logout: RP-initiated logout with a confirmation page. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { OAuthError } from '../oauth/errors.js';
import { Params } from '../oauth/params.js';
import { SESSION_COOKIE, communityCookiePath, currentSession } from '../identity/sessions.js';
import { checkLogoutCsrf, endBrowserSession, logoutCsrf, validateLogout } from '../identity/logout.js';
import { errorPage, loggedOutPage, logoutConfirmPage } from '../ui/pages.js';
import { communityOf, cookieOptions, formParams, noStore, sendPage } from './respond.js';

export function logoutRoutes(app: FastifyInstance, provider: Provider): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const community = await communityOf(provider, request);
    const cookie = request.cookies[SESSION_COOKIE];
    try {
      const params: Params = request.method === 'POST' ? formParams(request) : Params.from(request.query);
      const logout = await validateLogout(provider, community, params);
      const confirmation = request.method === 'POST' ? params.get('logout') : undefined;
      noStore(reply);
      if (confirmation === undefined) {
        const session = await currentSession(provider, community, cookie);
        if (session && cookie) {
          return sendPage(reply, logoutConfirmPage({ communityName: community.name, csrf: logoutCsrf(provider, cookie), hidden: logout.carried }));
        }
        return logout.redirect ? reply.redirect(logout.redirect, 303) : sendPage(reply, loggedOutPage(true));
      }
      if (!checkLogoutCsrf(provider, cookie, params.get('csrf'))) {
        return sendPage(reply, errorPage(400, 'invalid_request', 'The sign-out form expired. Please try again.'));
      }
      const signedOut = confirmation === 'yes';
      const frames = signedOut ? ((await endBrowserSession(provider, community, cookie)) ?? []) : [];
      if (signedOut) reply.clearCookie(SESSION_COOKIE, cookieOptions(provider, communityCookiePath(community)));
      // Front-channel logout needs a page to hold the iframes; it moves on to the client afterwards.
      if (frames.length > 0) return sendPage(reply, loggedOutPage(true, { frames, ...(logout.redirect ? { continueTo: logout.redirect } : {}) }));
      return logout.redirect ? reply.redirect(logout.redirect, 303) : sendPage(reply, loggedOutPage(signedOut));
    } catch (err) {
      if (err instanceof OAuthError && err.status !== 404) return sendPage(reply, errorPage(400, err.error, err.description));
      throw err;
    }
  };
  app.get('/oauth2/community/:community/v1/logout', handler);
  app.post('/oauth2/community/:community/v1/logout', handler);
}
