/**
 * The Entra EAM part of the provisioning file (issue 7, src/eam/):
 * - a client `"eam": {"entra_app_id", "allowed_tenant_ids", "entra_metadata_url"?}` marks it as an Entra external
 *   authentication method client (its ID tokens are RS256, its redirect URI is Entra's `…/externalauthprovider`);
 * - a user `"external_ids": [{"oid", "tid"}]` links Entra identities to the user (added, or moved to this user; links
 *   made at sign-in are never removed by a file);
 * - a community `"eam": {"link_by": "none" | "username"}`: whether an Entra identity with no link yet may be linked on
 *   first use to the local user whose username equals the hint's `preferred_username` (default `none`).
 */
import type { Db } from '../store/database.js';
import { findExternalIdentityUser, insertExternalIdentity, relinkExternalIdentity } from '../store/external-identities.js';
import { httpsUrl } from './service-api.js';

export const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const guid = { type: 'string', pattern: GUID_PATTERN } as const;

export interface ExternalIdSpec {
  oid: string;
  tid: string;
}

export interface CommunityEamSettings {
  link_by: 'none' | 'username';
}

export const clientEamSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['entra_app_id', 'allowed_tenant_ids'],
  properties: {
    entra_app_id: guid,
    allowed_tenant_ids: { type: 'array', items: guid, minItems: 1, maxItems: 1000, uniqueItems: true },
    entra_metadata_url: { type: 'string', minLength: 1, maxLength: 2000 },
  },
} as const;

export const externalIdsSchema = {
  type: 'array',
  maxItems: 100,
  items: { type: 'object', additionalProperties: false, required: ['oid', 'tid'], properties: { oid: guid, tid: guid } },
} as const;

export const communityEamSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { link_by: { enum: ['none', 'username'], default: 'none' } },
} as const;

interface EamClientFields {
  eam?: { entra_app_id: string; allowed_tenant_ids: string[]; entra_metadata_url?: string };
  id_token_signed_response_alg: string;
  redirect_uris: string[];
  scope: string;
}

/** Rules beyond the JSON schema for an EAM client; its GUIDs are kept in lower case, as Entra writes them. */
export function checkEamClient(client: EamClientFields, fail: (field: string, message: string) => never): void {
  if (!client.eam) return;
  client.eam.entra_app_id = client.eam.entra_app_id.toLowerCase();
  client.eam.allowed_tenant_ids = client.eam.allowed_tenant_ids.map((t) => t.toLowerCase());
  const url = client.eam.entra_metadata_url;
  if (url !== undefined && !httpsUrl(url)) fail('eam/entra_metadata_url', 'must be an https URL (http only for a loopback host)');
  // Microsoft supports RS256 only for the ID tokens an external authentication method returns.
  if (client.id_token_signed_response_alg !== 'RS256') fail('id_token_signed_response_alg', 'an EAM client\'s ID tokens are RS256');
  if (client.redirect_uris.length === 0) fail('redirect_uris', 'an EAM client needs Entra\'s …/common/federation/externalauthprovider URL');
  if (!client.scope.split(' ').includes('openid')) fail('scope', 'an EAM client needs the openid scope');
}

const key = (id: ExternalIdSpec) => `${id.tid.toLowerCase()}/${id.oid.toLowerCase()}`;

/** An Entra identity may be linked to one user of a community only. */
export function checkExternalIds(users: readonly { external_ids?: ExternalIdSpec[] }[], fail: (at: string, message: string) => never): void {
  const seen = new Set<string>();
  users.forEach((user, u) =>
    (user.external_ids ?? []).forEach((id, i) => {
      if (seen.has(key(id))) fail(`users/${u}/external_ids/${i}`, `the Entra identity ${key(id)} is linked twice`);
      seen.add(key(id));
    }),
  );
}

/** GUIDs are compared (and stored) in lower case: Entra writes them so, a file might not. */
export function normalizeExternalId(id: ExternalIdSpec): ExternalIdSpec {
  return { oid: id.oid.toLowerCase(), tid: id.tid.toLowerCase() };
}

/** The community settings JSON with the file's `eam` setting (absent from the file: removed; other fields kept). */
export function mergeEamSetting(current: string, eam: CommunityEamSettings | undefined): string {
  const { eam: _old, ...rest } = JSON.parse(current) as Record<string, unknown>;
  return JSON.stringify(eam && eam.link_by !== 'none' ? { ...rest, eam } : rest);
}

/** Links that the file asks for and that are missing or point at another user. */
export async function pendingExternalIds(db: Db, communityId: string | undefined, ids: readonly ExternalIdSpec[], userId: string): Promise<{ id: ExternalIdSpec; action: 'insert' | 'update' }[]> {
  const out: { id: ExternalIdSpec; action: 'insert' | 'update' }[] = [];
  for (const raw of ids) {
    const id = normalizeExternalId(raw);
    const current = communityId ? await findExternalIdentityUser(db, communityId, id.tid, id.oid) : undefined;
    if (current === userId) continue;
    out.push({ id, action: current === undefined ? 'insert' : 'update' });
  }
  return out;
}

export async function writeExternalIds(trx: Db, communityId: string, userId: string, links: readonly { id: ExternalIdSpec; action: 'insert' | 'update' }[], now: number): Promise<void> {
  for (const { id, action } of links) {
    if (action === 'insert') await insertExternalIdentity(trx, { community_id: communityId, tid: id.tid, oid: id.oid, user_id: userId, created_at: now });
    else await relinkExternalIdentity(trx, communityId, id.tid, id.oid, userId);
  }
}
