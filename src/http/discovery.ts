/** Discovery and JWKS: precomputed bytes with ETags (CORS-readable, see app.ts). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { StaticDocument } from '../runtime/community-registry.js';
import { communityOf } from './respond.js';

function sendStatic(request: FastifyRequest, reply: FastifyReply, doc: StaticDocument): FastifyReply {
  reply.header('etag', doc.etag).header('cache-control', 'public, max-age=300');
  if (request.headers['if-none-match'] === doc.etag) return reply.code(304).send();
  return reply.type('application/json').send(doc.body);
}

export function discoveryRoutes(app: FastifyInstance, provider: Provider): void {
  app.get('/oauth2/community/:community/.well-known/openid-configuration', async (request, reply) =>
    sendStatic(request, reply, (await communityOf(provider, request)).discovery),
  );
  app.get('/oauth2/community/:community/v1/jwks', async (request, reply) => sendStatic(request, reply, (await communityOf(provider, request)).jwks));
}
