/** Whether the user must be asked (OIDC Core §3.1.2.4): prompt=consent, or scopes not granted before, unless first-party. */
import { findConsentedScopes } from '../../store/consents.js';
import type { Community, ResolvedClient } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import type { AuthorizationRequest } from './request.js';

export async function consentNeeded(provider: Provider, community: Community, client: ResolvedClient, request: AuthorizationRequest, userId: string): Promise<boolean> {
  if (request.prompt.includes('consent')) return true;
  if (client.metadata.skip_consent) return false;
  const granted = new Set(await findConsentedScopes(provider.db, community.id, userId, client.metadata.client_id));
  return request.scope.some((s) => !granted.has(s));
}
