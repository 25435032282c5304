/**
 * Keeps this node's caches (communities, their keys, discovery and JWKS bytes, clients) in step with changes made by
 * other nodes or by `tessera apply`: every CHANGE_POLL_INTERVAL_MS it reads each community's revision (one small
 * query) and drops the entries that changed. A change is therefore seen everywhere within one interval.
 */
import { communityRevisions } from '../store/communities.js';
import type { Provider } from './provider.js';

export async function pollChanges(provider: Provider): Promise<string[]> {
  const dropped = await provider.registry.dropStale(await communityRevisions(provider.db));
  if (dropped.length > 0) provider.log.info({ communities: dropped }, 'changes from elsewhere picked up');
  return dropped;
}
