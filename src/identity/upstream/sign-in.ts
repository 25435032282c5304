/**
 * After a verified upstream login: the local account (accounts.ts), a new SSO session with amr ["fed"] and acr
 * "idp:NAME", recorded on the interaction, which then continues exactly as after a password login (consent when
 * needed, else the authorization response goes to the client).
 */
import { secondFactorNeed } from '../mfa-policy.js';
import type { Provider } from '../../runtime/provider.js';
import type { Community } from '../../runtime/community-registry.js';
import type { AuthorizationRequest } from '../../oauth/authorize/request.js';
import type { AuthorizationResponse } from '../../oauth/authorize/response.js';
import { finishInteraction, interactionPath, needsConsent, type Interaction } from '../interaction.js';
import { startSession } from '../sessions.js';
import { resolveAccount } from './accounts.js';
import { UpstreamLoginError } from './errors.js';
import type { UpstreamIdentity } from './flow.js';

export const FEDERATED_AMR = 'fed';

/** The new session's cookie, and where the browser goes: the consent page, or the client with its response. */
/** `kept`: the browser's previous session, of another user, still signed in (identity/browser-accounts.ts). */
export type UpstreamSignIn = { cookie: string; kept?: string } & ({ location: string } | { response: AuthorizationResponse });

export function upstreamAcr(name: string): string {
  return `idp:${name}`;
}

export async function signInFromUpstream(provider: Provider, community: Community, identity: UpstreamIdentity, sessionCookie: string | undefined): Promise<UpstreamSignIn> {
  const row = await provider.shortLived.findLiveInteraction(community.id, identity.pending.interaction_uid, provider.clock.now());
  if (!row) throw new UpstreamLoginError('invalid_request', 'The sign-in request has expired or was already completed. Return to the application and start again.');
  const request = JSON.parse(row.request) as AuthorizationRequest;
  const client = await provider.registry.client(community, request.client_id);
  if (!client) throw new UpstreamLoginError('invalid_request', 'The application is no longer registered.');
  const account = await resolveAccount(provider, community, identity.upstream, identity.sub, identity.claims);
  provider.log.info({ community: community.name, upstream: identity.upstream.name, account: account.how }, 'upstream login');
  const acr = upstreamAcr(identity.upstream.name);
  const { cookie, login, kept } = await startSession(provider, community, account.userId, [FEDERATED_AMR], sessionCookie, acr);
  await provider.shortLived.recordInteractionLogin(row.uid, { userId: login.userId, authTime: login.authTime, amr: login.amr, sid: login.sid, acr });
  const interaction: Interaction = { row, request, client, login };
  const signedIn = { cookie, ...(kept ? { kept } : {}) };
  // A second factor (identity/mfa-policy.ts) or consent: on the interaction page.
  if ((await secondFactorNeed(provider, community, client, request, login)) || (await needsConsent(provider, community, interaction))) {
    return { ...signedIn, location: interactionPath(community, row.uid) };
  }
  return { ...signedIn, response: await finishInteraction(provider, community, interaction, 'allow') };
}
