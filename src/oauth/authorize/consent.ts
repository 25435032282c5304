/**
 * Whether the user must be asked (OIDC Core §3.1.2.4): prompt=consent, or scopes not granted before, or claims
 * requested by name (claims parameter) that neither a granted scope nor an earlier consent covers; unless
 * first-party. Consent to a claim is remembered next to the scopes as `claim:NAME`.
 */
import { findConsentedScopes } from '../../store/consents.js';
import type { Community, ResolvedClient } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import { SCOPE_CLAIMS } from '../scopes.js';
import { claimsToConsent } from '../claims-request.js';
import type { AuthorizationRequest } from './request.js';

export const consentedClaim = (name: string) => `claim:${name}`;

export async function consentNeeded(provider: Provider, community: Community, client: ResolvedClient, request: AuthorizationRequest, userId: string): Promise<boolean> {
  if (request.prompt.includes('consent')) return true;
  if (client.metadata.skip_consent) return false;
  const granted = new Set(await findConsentedScopes(provider.db, community.id, userId, client.metadata.client_id));
  if (request.scope.some((s) => !granted.has(s))) return true;
  const covered = new Set(request.scope.flatMap((s) => SCOPE_CLAIMS[s] ?? []));
  return claimsToConsent(request.claims).some((c) => !covered.has(c.name) && !granted.has(consentedClaim(c.name)));
}
