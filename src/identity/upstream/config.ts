/**
 * A community's upstream OpenID providers as provisioned (provisioning/schema.ts `upstreams`), read from the
 * database. The client secret stays sealed until the token request needs it.
 */
import type { Provider } from '../../runtime/provider.js';
import type { Community } from '../../runtime/community-registry.js';
import type { UpstreamProviderTable } from '../../store/schema.js';
import { unseal } from '../../keys/sealing.js';

export type LinkBy = 'none' | 'email' | 'username';

export interface Upstream {
  name: string;
  /** What the login button says after "Continue with". */
  label: string;
  issuer: string;
  clientId: string;
  sealedSecret: string;
  scopes: string[];
  /** Local claim → upstream claim; the local name `username` is the local account's username. */
  claims: Record<string, string>;
  linkBy: LinkBy;
}

interface StoredSettings {
  scopes: string[];
  claims: Record<string, string>;
  link_by: LinkBy;
  display_name?: string;
}

function toUpstream(row: UpstreamProviderTable): Upstream {
  const settings = JSON.parse(row.settings) as StoredSettings;
  return {
    name: row.name,
    label: settings.display_name ?? row.name,
    issuer: row.issuer,
    clientId: row.client_id,
    sealedSecret: row.client_secret_sealed,
    scopes: settings.scopes,
    claims: settings.claims,
    linkBy: settings.link_by,
  };
}

export async function listUpstreams(provider: Provider, community: Community): Promise<Upstream[]> {
  const rows = await provider.db.selectFrom('upstream_providers').selectAll().where('community_id', '=', community.id).orderBy('name').execute();
  return rows.map(toUpstream);
}

export async function findUpstream(provider: Provider, community: Community, name: string): Promise<Upstream | undefined> {
  if (name.length > 63) return undefined;
  const row = await provider.db.selectFrom('upstream_providers').selectAll().where('community_id', '=', community.id).where('name', '=', name).executeTakeFirst();
  return row ? toUpstream(row) : undefined;
}

export function upstreamSecret(provider: Provider, upstream: Upstream): string {
  return unseal(provider.secrets.sealing, upstream.sealedSecret);
}

/** The upstream named by `idp:NAME` among the space-separated acr_values (seed 004), if any. */
export function requestedIdp(acrValues: string | undefined): string | undefined {
  const token = acrValues?.split(' ').find((v) => v.startsWith('idp:') && v.length > 4);
  return token?.slice(4);
}
