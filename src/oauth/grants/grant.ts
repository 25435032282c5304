/** The interface every grant type implements; the registry (index.ts) picks one by `grant_type`. */
import type { Params } from '../params.js';
import type { Community, ResolvedClient } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import type { TokenResponse } from '../tokens.js';
import type { GrantType } from '../client.js';

export interface GrantContext {
  provider: Provider;
  community: Community;
  client: ResolvedClient;
  params: Params;
  /** The client's network address (for brute-force limits). */
  address: string;
}

export interface GrantHandler {
  grantType: GrantType;
  handle(ctx: GrantContext): Promise<TokenResponse>;
}
