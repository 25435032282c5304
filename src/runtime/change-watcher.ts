/**
 * Keeps this node's caches (communities, their keys, discovery and JWKS bytes, clients) in step with changes made by
 * other nodes or by `tessera apply`:
 * - every CHANGE_POLL_INTERVAL_MS it reads each community's revision (one small query) and drops the entries that
 *   changed, so a change is seen everywhere within one interval;
 * - with Redis, the node that made a change also publishes the community's name and every subscribed node drops
 *   its entry at once (the poll stays as the safety net for a missed message).
 */
import { communityRevisions } from '../store/communities.js';
import type { Provider } from './provider.js';

const channel = (provider: Provider) => `${provider.config.redis?.prefix ?? ''}changes`;

export async function pollChanges(provider: Provider): Promise<string[]> {
  const dropped = await provider.registry.dropStale(await communityRevisions(provider.db));
  if (dropped.length > 0) provider.log.info({ communities: dropped }, 'changes from elsewhere picked up');
  return dropped;
}

/** After committing a change to a community: drop it here, and tell the other nodes when Redis is there. */
export async function announceChange(provider: Provider, name: string): Promise<void> {
  provider.registry.invalidate(name);
  if (!provider.redis) return;
  await provider.redis.publish(channel(provider), name).catch((err: unknown) => {
    provider.log.warn({ err: err instanceof Error ? err.message : String(err), community: name }, 'change not published; other nodes see it at their next poll');
  });
}

/** Listens for other nodes' announcements (a second Redis connection: a subscriber can do nothing else). */
export function subscribeChanges(provider: Provider): () => void {
  if (!provider.redis) return () => undefined;
  // Unlike request-serving commands, the subscription may wait for the connection (and is renewed on reconnect).
  const subscriber = provider.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  subscriber.on('error', () => undefined); // the main connection logs Redis outages
  subscriber.on('message', (_channel: string, name: string) => provider.registry.invalidate(name));
  subscriber.subscribe(channel(provider)).catch((err: unknown) => {
    provider.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'change notifications unavailable; polling only');
  });
  return () => subscriber.disconnect();
}
