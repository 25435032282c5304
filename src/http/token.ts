/** POST {issuer}/v1/token, /v1/introspect, /v1/revoke, /v1/par: form in, JSON out, no-store. */
import type { FastifyInstance } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { tokenRequest } from '../oauth/token-endpoint.js';
import { introspect } from '../oauth/introspection.js';
import { revoke } from '../oauth/revocation.js';
import { pushAuthorizationRequest } from '../oauth/par.js';
import { communityOf, formParams, noStore, sendJson } from './respond.js';

export function tokenRoutes(app: FastifyInstance, provider: Provider): void {
  app.post('/oauth2/community/:community/v1/token', async (request, reply) => {
    const community = await communityOf(provider, request);
    const response = await tokenRequest(provider, community, request.headers.authorization, formParams(request));
    return sendJson(reply, response);
  });
  app.post('/oauth2/community/:community/v1/introspect', async (request, reply) => {
    const community = await communityOf(provider, request);
    return sendJson(reply, await introspect(provider, community, request.headers.authorization, formParams(request)));
  });
  app.post('/oauth2/community/:community/v1/revoke', async (request, reply) => {
    const community = await communityOf(provider, request);
    await revoke(provider, community, request.headers.authorization, formParams(request));
    return noStore(reply).code(200).send();
  });
  app.post('/oauth2/community/:community/v1/par', async (request, reply) => {
    const community = await communityOf(provider, request);
    const pushed = await pushAuthorizationRequest(provider, community, request.headers.authorization, formParams(request));
    return sendJson(reply.code(201), pushed);
  });
}
