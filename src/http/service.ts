/** Service endpoints outside any community: liveness, readiness, and the demo client's callback page. */
import type { FastifyInstance } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { demoCallbackPage } from '../ui/pages.js';
import { sendPage } from './respond.js';
import { VERSION } from '../version.js';
import { ping } from '../store/migrations.js';

/** Each dependency: "ok", or why not (never a secret: no URL, no credentials). */
async function readiness(provider: Provider): Promise<Record<string, string>> {
  const timeout = provider.config.databaseTuning.connectTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const database = await Promise.race([
    ping(provider.db as never).then(() => 'ok'),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${timeout} ms`), timeout))),
  ]).catch((err: unknown) => `unreachable: ${err instanceof Error ? err.message.slice(0, 200) : 'error'}`);
  clearTimeout(timer);
  return { database };
}

export function serviceRoutes(app: FastifyInstance, provider: Provider): void {
  const healthz = Buffer.from(JSON.stringify({ status: 'all services operational', code: '200', version: VERSION }));
  app.get('/oauth2/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').type('application/json').send(healthz));
  // Readiness: this node can serve (its database answers). A load balancer takes it out of rotation on 503.
  app.get('/oauth2/readyz', async (_request, reply) => {
    const checks = await readiness(provider);
    const ready = Object.values(checks).every((c) => c === 'ok');
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .type('application/json')
      .send(JSON.stringify({ status: ready ? 'ready' : 'unavailable', checks }));
  });
  app.get('/oauth2/demo/callback', async (request, reply) => {
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.query as Record<string, unknown>)) if (typeof v === 'string') query[k.slice(0, 64)] = v.slice(0, 2048);
    provider.log.debug('demo callback rendered');
    return sendPage(reply, demoCallbackPage(query));
  });
}
