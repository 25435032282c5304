/** GET/POST {issuer}/v1/sessions: the signed-in user's sessions and the apps they signed in to; sign-out everywhere. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { SESSION_COOKIE, communityCookiePath, currentSession } from '../identity/sessions.js';
import { checkLogoutCsrf, clientsOfSession, endUserSessions, logoutCsrf } from '../identity/logout.js';
import { findUserById } from '../store/users.js';
import { errorPage, loggedOutPage } from '../ui/pages.js';
import { notSignedInPage, sessionListPage } from '../ui/session-pages.js';
import { communityOf, cookieOptions, formParams, pageTranslator, sendPage } from './respond.js';

export function sessionRoutes(app: FastifyInstance, provider: Provider): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const community = await communityOf(provider, request);
    const cookie = request.cookies[SESSION_COOKIE];
    const tr = pageTranslator(request);
    const session = await currentSession(provider, community, cookie);
    if (!session || !cookie) return sendPage(reply, notSignedInPage(tr, community.name));
    if (request.method === 'POST') {
      const params = formParams(request);
      if (params.get('action') !== 'sign_out_all' || !checkLogoutCsrf(provider, cookie, params.get('csrf'), 'sessions')) {
        return sendPage(reply, errorPage(tr, 400, 'invalid_request', 'error.formExpired'));
      }
      const frames = await endUserSessions(provider, community, session.user_id);
      reply.clearCookie(SESSION_COOKIE, cookieOptions(provider, communityCookiePath(community)));
      return sendPage(reply, loggedOutPage(tr, true, { frames }));
    }
    const user = await findUserById(provider.db, community.id, session.user_id);
    const sessions = await provider.shortLived.liveUserSessions(community.id, session.user_id, provider.clock.now());
    const listed = await Promise.all(
      sessions.map(async (s) => ({
        current: s.sid === session.sid,
        signedInAt: s.auth_time,
        apps: (await clientsOfSession(provider, community, s.sid)).map((c) => c.metadata.client_name ?? c.metadata.client_id),
      })),
    );
    return sendPage(reply, sessionListPage({ tr, communityName: community.name, username: user?.username ?? session.user_id, csrf: logoutCsrf(provider, cookie, 'sessions'), sessions: listed }));
  };
  app.get('/oauth2/community/:community/v1/sessions', handler);
  app.post('/oauth2/community/:community/v1/sessions', handler);
}
