/** One cache of Entra's metadata and keys per running provider (entra-hint.ts), with the configured refetch cooldown. */
import type { Provider } from '../runtime/provider.js';
import { EntraMetadataCache } from './entra-hint.js';

const caches = new WeakMap<Provider, EntraMetadataCache>();

export function entraMetadataOf(provider: Provider): EntraMetadataCache {
  let cache = caches.get(provider);
  if (!cache) {
    cache = new EntraMetadataCache(5000, provider.config.eam.jwksRefetchCooldownMs);
    caches.set(provider, cache);
  }
  return cache;
}
