/** Builds the HTTP app from the routes in http/. No protocol logic here. */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import type { Provider } from './runtime/provider.js';
import { OAuthError } from './oauth/errors.js';
import { sendOAuthError } from './http/respond.js';
import { isDatabaseUnavailable } from './store/database.js';
import { discoveryRoutes } from './http/discovery.js';
import { tokenRoutes } from './http/token.js';
import { userinfoRoutes } from './http/userinfo.js';
import { authorizeRoutes } from './http/authorize.js';
import { interactionRoutes } from './http/interaction.js';
import { logoutRoutes } from './http/logout.js';
import { sessionRoutes } from './http/sessions.js';
import { accountSecurityRoutes } from './http/account-security.js';
import { passkeyRoutes } from './http/passkeys.js';
import { upstreamRoutes } from './http/upstream.js';
import { serviceRoutes } from './http/service.js';
import { serviceApiRoutes, serviceErrorHandler } from './http/service-api.js';
import { loadServiceKeyPair } from './service/key-pair.js';

const CORS_PATHS = /\/v1\/(token|userinfo|revoke|introspect|jwks)$|\/\.well-known\/openid-configuration$/;

export async function buildApp(provider: Provider): Promise<FastifyInstance> {
  const app = Fastify({
    // No per-request child logger: request logging is off the hot path; errors are logged through provider.log.
    logger: false,
    trustProxy: provider.config.trustProxy,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
  });
  await app.register(formbody);
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });

  // CORS preflight for the endpoints browsers' JavaScript may call (never the authorization endpoint).
  app.options('/oauth2/community/:community/*', async (request, reply) => {
    if (!CORS_PATHS.test(request.url.split('?')[0]!)) return reply.code(404).send();
    return reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', 'GET, POST')
      .header('access-control-allow-headers', 'authorization, content-type, dpop')
      .header('access-control-max-age', '600')
      .send();
  });

  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (err instanceof OAuthError) return sendOAuthError(reply, err);
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 413 : 400;
      return sendOAuthError(reply, new OAuthError('invalid_request', err.message, code));
    }
    if (isDatabaseUnavailable(err)) {
      // Fail fast and say so; the load balancer retries elsewhere, the client later (RFC 6749 temporarily_unavailable).
      provider.log.warn({ err: err.message, method: request.method, url: request.url.split('?')[0] }, 'database unavailable');
      reply.header('retry-after', '1');
      return sendOAuthError(reply, new OAuthError('temporarily_unavailable', 'the service is temporarily unavailable, retry shortly', 503));
    }
    provider.log.error({ err, method: request.method, url: request.url.split('?')[0] }, 'unhandled error');
    return sendOAuthError(reply, new OAuthError('server_error', 'the server failed to handle the request'));
  });
  app.setNotFoundHandler((_request, reply) => sendOAuthError(reply, new OAuthError('not_found', 'no such endpoint', 404)));

  // The service API (issue 6): its own key pair, error format and authentication (src/service/).
  const serviceKeyPair = await loadServiceKeyPair(provider);
  serviceRoutes(app, provider, serviceKeyPair.publicKey);
  await app.register(async (api) => {
    api.setErrorHandler(serviceErrorHandler(provider));
    serviceApiRoutes(api, provider, serviceKeyPair);
  });
  // Browsers ask for it on every page; answer without a body instead of a 404 error.
  app.get('/favicon.ico', (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

  // Endpoints for programs: CORS-readable (RFC 9700 §2.6 allows it here), no cookies parsed.
  await app.register(async (api) => {
    api.addHook('onSend', (_request, reply, payload, done) => {
      reply.header('access-control-allow-origin', '*');
      done(null, payload);
    });
    discoveryRoutes(api, provider);
    tokenRoutes(api, provider);
    userinfoRoutes(api, provider);
  });

  // Endpoints for browsers: cookies, pages, no CORS.
  await app.register(async (browser) => {
    await browser.register(cookie);
    authorizeRoutes(browser, provider);
    interactionRoutes(browser, provider);
    logoutRoutes(browser, provider);
    sessionRoutes(browser, provider);
    accountSecurityRoutes(browser, provider);
    passkeyRoutes(browser, provider);
    upstreamRoutes(browser, provider);
  });
  return app;
}
