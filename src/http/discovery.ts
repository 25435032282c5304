/** Discovery and JWKS: precomputed bytes with ETags (CORS-readable, see app.ts). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { StaticDocument } from '../runtime/community-registry.js';
import { communityOf } from './respond.js';

/** RFC 9110 §13.1.2: `*`, or a list of entity tags compared weakly (a `W/` prefix is ignored). */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function sendStatic(request: FastifyRequest, reply: FastifyReply, doc: StaticDocument): FastifyReply {
  reply.header('etag', doc.etag).header('cache-control', 'public, max-age=300');
  if (notModified(request.headers['if-none-match'], doc.etag)) return reply.code(304).send();
  return reply.type('application/json').send(doc.body);
}

export function discoveryRoutes(app: FastifyInstance, provider: Provider): void {
  app.get('/oauth2/community/:community/.well-known/openid-configuration', async (request, reply) =>
    sendStatic(request, reply, (await communityOf(provider, request)).discovery),
  );
  app.get('/oauth2/community/:community/v1/jwks', async (request, reply) => sendStatic(request, reply, (await communityOf(provider, request)).jwks));
}
