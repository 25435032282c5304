/** GET/POST {issuer}/v1/logout: RP-initiated logout with a confirmation page. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { OAuthError } from '../oauth/errors.js';
import { Params } from '../oauth/params.js';
import { allBrowserSessions } from '../identity/browser-accounts.js';
import { checkLogoutCsrf, endBrowserSession, logoutCsrf, validateLogout } from '../identity/logout.js';
import { errorPage, loggedOutPage, logoutConfirmPage } from '../ui/pages.js';
import { communityOf, formParams, noStore, pageTranslator, sendPage } from './respond.js';
import { browserCookies, clearSessionCookies } from './session-cookies.js';

export function logoutRoutes(app: FastifyInstance, provider: Provider): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const community = await communityOf(provider, request);
    const cookies = browserCookies(request);
    // The confirmation's CSRF token is bound to the browser's session cookie (or, with no current session left, to
    // its list of other accounts).
    const cookie = cookies.session ?? cookies.accounts;
    // ui_locales (RP-Initiated Logout §2) picks the language; the confirmation form carries it.
    const tr = pageTranslator(request);
    try {
      const params: Params = request.method === 'POST' ? formParams(request) : Params.from(request.query);
      const logout = await validateLogout(provider, community, params);
      const confirmation = request.method === 'POST' ? params.get('logout') : undefined;
      noStore(reply);
      if (confirmation === undefined) {
        const sessions = await allBrowserSessions(provider, community, cookies);
        if (sessions.length > 0 && cookie) {
          return sendPage(reply, logoutConfirmPage({ tr, communityName: community.name, csrf: logoutCsrf(provider, cookie), hidden: logout.carried }));
        }
        return logout.redirect ? reply.redirect(logout.redirect, 303) : sendPage(reply, loggedOutPage(tr, true));
      }
      if (!checkLogoutCsrf(provider, cookie, params.get('csrf'))) {
        return sendPage(reply, errorPage(tr, 400, 'invalid_request', 'error.logoutFormExpired'));
      }
      const signedOut = confirmation === 'yes';
      const frames = signedOut ? ((await endBrowserSession(provider, community, cookies)) ?? []) : [];
      if (signedOut) clearSessionCookies(reply, provider, community);
      // Front-channel logout needs a page to hold the iframes; it moves on to the client afterwards.
      if (frames.length > 0) return sendPage(reply, loggedOutPage(tr, true, { frames, ...(logout.redirect ? { continueTo: logout.redirect } : {}) }));
      return logout.redirect ? reply.redirect(logout.redirect, 303) : sendPage(reply, loggedOutPage(tr, signedOut));
    } catch (err) {
      if (err instanceof OAuthError && err.status !== 404) return sendPage(reply, errorPage(tr, 400, err.error, { text: err.description }));
      throw err;
    }
  };
  app.get('/oauth2/community/:community/v1/logout', handler);
  app.post('/oauth2/community/:community/v1/logout', handler);
}
