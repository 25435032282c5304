/**
 * A community's settings from its `settings` column (provisioning/service-api.ts): the external login UI URL and the
 * authenticators trusted for proof-of-authentication JWTs, with their key sets built once, and the second-factor
 * policy (identity/mfa-policy.ts). Cached per
 * registry entry: a change bumps the community's revision, the registry loads a new entry, and this cache follows.
 */
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { findCommunity } from '../store/communities.js';
import type { CommunityServiceSettings } from '../provisioning/service-api.js';
import type { CommunityEamSettings } from '../provisioning/eam.js';
import type { MfaSettings } from '../identity/mfa-policy.js';

export interface CommunityServiceState {
  loginUiUrl: string | undefined;
  /** issuer → its verification keys */
  authenticators: Map<string, JWTVerifyGetKey>;
  /** Entra EAM (provisioning/eam.ts): may an unlinked Entra identity be linked by preferred_username = username? */
  eamLinkBy: CommunityEamSettings['link_by'];
  /** The community's second-factor policy (identity/mfa-policy.ts), as provisioned. */
  mfa: MfaSettings | undefined;
}

const cache = new WeakMap<Community, Promise<CommunityServiceState>>();

async function load(provider: Provider, community: Community): Promise<CommunityServiceState> {
  const row = await findCommunity(provider.db, community.name);
  let settings: CommunityServiceSettings & { mfa?: MfaSettings; eam?: CommunityEamSettings } = {};
  try {
    settings = JSON.parse(row?.settings ?? '{}') as CommunityServiceSettings & { mfa?: MfaSettings; eam?: CommunityEamSettings };
  } catch {
    settings = {};
  }
  const authenticators = new Map<string, JWTVerifyGetKey>();
  for (const a of settings.authenticators ?? []) {
    if (a.jwks) authenticators.set(a.issuer, createLocalJWKSet(a.jwks as unknown as JSONWebKeySet));
    else if (a.jwks_uri) authenticators.set(a.issuer, createRemoteJWKSet(new URL(a.jwks_uri), { timeoutDuration: 5000 }));
  }
  return { loginUiUrl: settings.login_ui_url, authenticators, mfa: settings.mfa, eamLinkBy: settings.eam?.link_by ?? 'none' };
}

export function serviceSettingsOf(provider: Provider, community: Community): Promise<CommunityServiceState> {
  let entry = cache.get(community);
  if (!entry) {
    entry = load(provider, community);
    cache.set(community, entry);
    entry.catch(() => cache.delete(community));
  }
  return entry;
}

/** Where authorize sends the browser for an interaction: the community's external login UI with `uid`, if it has one. */
export async function externalLoginLocation(provider: Provider, community: Community, uid: string): Promise<string | undefined> {
  const { loginUiUrl } = await serviceSettingsOf(provider, community);
  if (!loginUiUrl) return undefined;
  const url = new URL(loginUiUrl);
  url.searchParams.set('uid', uid);
  return url.href;
}
