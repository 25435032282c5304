/** Service endpoints outside any community: liveness, and the demo client's callback page. */
import type { FastifyInstance } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { demoCallbackPage } from '../ui/pages.js';
import { sendPage } from './respond.js';
import { VERSION } from '../version.js';

export function serviceRoutes(app: FastifyInstance, provider: Provider): void {
  const healthz = Buffer.from(JSON.stringify({ status: 'all services operational', code: '200', version: VERSION }));
  app.get('/oauth2/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').type('application/json').send(healthz));
  app.get('/oauth2/demo/callback', async (request, reply) => {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.query as Record<string, unknown>)) if (typeof v === 'string') query[k.slice(0, 64)] = v.slice(0, 2048);
    provider.log.debug('demo callback rendered');
    return sendPage(reply, demoCallbackPage(query));
  });
}
