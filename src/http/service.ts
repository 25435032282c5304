/** Service endpoints outside any community: liveness, readiness, and the demo client's callback page. */
import type { FastifyInstance } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { demoCallbackPage } from '../ui/pages.js';
import { sendPage } from './respond.js';
import { BUILD_VERSION } from '../version.js';
import { ping } from '../store/migrations.js';

/** Runs a check with a time limit: "ok", or why not (never a secret: no URL, no credentials). */
async function check(timeoutMs: number, probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    probe().then(() => 'ok'),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs))),
  ]).catch((err: unknown) => `unreachable: ${err instanceof Error ? err.message.slice(0, 200) : 'error'}`);
  clearTimeout(timer);
  return outcome;
}

/** Each dependency of this node: the database, and Redis when configured. */
async function readiness(provider: Provider): Promise<Record<string, string>> {
  const timeout = provider.config.databaseTuning.connectTimeoutMs;
  const redis = provider.redis;
  const [database, redisState] = await Promise.all([check(timeout, () => ping(provider.db as never)), redis ? check(timeout, () => redis.ping()) : undefined]);
  return redisState === undefined ? { database } : { database, redis: redisState };
}

/** `publicKey`: the service API's public key (GET /oauth2/publickeys), reported by healthz as the reference does. */
export function serviceRoutes(app: FastifyInstance, provider: Provider, publicKey?: string): void {
  const healthz = Buffer.from(JSON.stringify({ status: 'all services operational', ...(publicKey ? { publicKey } : {}), code: '200', version: BUILD_VERSION }));
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
