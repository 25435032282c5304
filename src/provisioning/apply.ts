/**
 * Applies a provisioning file idempotently: everything is validated and prepared first (password hashing, key
 * generation), then written in one transaction, so an invalid file changes nothing and the same file twice changes
 * nothing the second time.
 */
import { randomUUID } from 'node:crypto';
import { parseProvisioning, type ClientSpec, type ProvisioningFile, type UpstreamSpec, type UserSpec } from './schema.js';
import { hashPassword, verifyPassword } from '../identity/password.js';
import { generateSigningKey, SIGNING_ALGS, type StoredSigningKey } from '../keys/signing-keys.js';
import { hmacSha256 } from '../keys/secrets.js';
import { seal, unseal } from '../keys/sealing.js';
import type { Provider } from '../runtime/provider.js';
import type { ClientTable, TotpFactorTable, UpstreamProviderTable, UserTable } from '../store/schema.js';
import { findTotp, putConfirmedTotp } from '../store/second-factors.js';
import type { MfaSettings } from '../identity/mfa-policy.js';
import { bumpRevision } from '../store/communities.js';
import { announceChange } from '../runtime/change-watcher.js';
import { mergeCommunitySettings, prepareServiceCredentials } from './service-api.js';
import { mergeEamSetting, pendingExternalIds, writeExternalIds } from './eam.js';
import { isUniqueViolation } from '../store/database.js';

export interface ApplySummary {
  created: string[];
  updated: string[];
  unchanged: number;
}

interface PreparedCommunity {
  name: string;
  communityId: string;
  isNew: boolean;
  /** The community's settings to store, or undefined when unchanged. */
  settings: string | undefined;
  keys: StoredSigningKey[];
  clientRows: { row: ClientTable; action: 'insert' | 'update' }[];
  userRows: { row: UserTable; action: 'insert' | 'update' }[];
  upstreamRows: { row: UpstreamProviderTable; action: 'insert' | 'update' }[];
  /** Entra identities to link, per user id (provisioning/eam.ts). */
  externalIds: { userId: string; links: Awaited<ReturnType<typeof pendingExternalIds>> }[];
  /** Provisioned TOTP secrets (`totp_secret`) new or changed since the last apply. */
  totpRows: TotpFactorTable[];
}

/** The community's `mfa` policy in its settings JSON: the file's, or none (the defaults) when the file has none. */
function withMfaSettings(settings: string, mfa: MfaSettings | undefined): string {
  const { mfa: _previous, ...rest } = JSON.parse(settings) as Record<string, unknown>;
  return JSON.stringify({ ...rest, ...(mfa !== undefined ? { mfa } : {}) });
}

/** What is stored of an upstream besides its name, issuer, client id and secret. */
function upstreamSettings(spec: UpstreamSpec): string {
  const { scopes, claims, link_by, display_name } = spec;
  return JSON.stringify({ scopes, claims, link_by, ...(display_name !== undefined ? { display_name } : {}) });
}

function clientMetadata(spec: ClientSpec): string {
  const { client_secret: _secret, ...metadata } = spec;
  return JSON.stringify(metadata);
}

/**
 * Nodes starting together all apply TESSERA_BOOTSTRAP: the loser of a race for a new row reads again and finds
 * the winner's rows, which (the file being the same) leaves nothing to do.
 */
export async function applyProvisioning(provider: Provider, input: unknown): Promise<ApplySummary> {
  const file: ProvisioningFile = parseProvisioning(input);
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyOnce(provider, file);
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 3) throw err;
    }
  }
}

async function applyOnce(provider: Provider, file: ProvisioningFile): Promise<ApplySummary> {
  const { db, clock, secrets, config } = provider;
  const now = clock.now();
  const summary: ApplySummary = { created: [], updated: [], unchanged: 0 };

  // Prepare outside the transaction: slow work (scrypt, RSA key generation) must not hold a write lock.
  const prepared: PreparedCommunity[] = [];
  for (const community of file.communities) {
    const existing = await db.selectFrom('communities').selectAll().where('name', '=', community.name).executeTakeFirst();
    const communityId = existing?.id ?? randomUUID();
    let keys: StoredSigningKey[] = [];
    if (!existing) keys = await Promise.all(SIGNING_ALGS.map((alg) => generateSigningKey(alg, secrets.sealing, now)));

    const clientRows: { row: ClientTable; action: 'insert' | 'update' }[] = [];
    for (const spec of community.clients) {
      const current = existing
        ? await db.selectFrom('clients').selectAll().where('community_id', '=', communityId).where('client_id', '=', spec.client_id).executeTakeFirst()
        : undefined;
      const metadata = clientMetadata(spec);
      const secretHash = spec.client_secret === undefined ? null : hmacSha256(secrets.secretHashing, spec.client_secret);
      let secretSealed: string | null = null;
      if (spec.client_secret !== undefined && spec.token_endpoint_auth_method === 'client_secret_jwt') {
        secretSealed =
          current?.secret_sealed && unseal(secrets.sealing, current.secret_sealed) === spec.client_secret
            ? current.secret_sealed
            : seal(secrets.sealing, spec.client_secret);
      }
      if (current && current.metadata === metadata && current.secret_hash === secretHash && current.secret_sealed === secretSealed) {
        summary.unchanged++;
        continue;
      }
      const row: ClientTable = {
        community_id: communityId,
        client_id: spec.client_id,
        secret_hash: secretHash,
        secret_sealed: secretSealed,
        metadata,
        created_at: current?.created_at ?? now,
        updated_at: now,
      };
      clientRows.push({ row, action: current ? 'update' : 'insert' });
      (current ? summary.updated : summary.created).push(`${community.name}/client/${spec.client_id}`);
    }

    const userRows: { row: UserTable; action: 'insert' | 'update' }[] = [];
    const externalIds: PreparedCommunity['externalIds'] = [];
    const totpRows: TotpFactorTable[] = [];
    for (const spec of community.users) {
      const current = existing
        ? await db.selectFrom('users').selectAll().where('community_id', '=', communityId).where('username', '=', spec.username).executeTakeFirst()
        : undefined;
      const claims = JSON.stringify(spec.claims);
      const passwordHash = await preparePassword(spec, current?.password_hash ?? null, config.passwordHashCost);
      const userId = current?.id ?? randomUUID();
      const links = await pendingExternalIds(db, existing ? communityId : undefined, spec.external_ids ?? [], userId);
      if (links.length > 0) {
        externalIds.push({ userId, links });
        summary.updated.push(`${community.name}/user/${spec.username}/external_ids`);
      }
      const totp = spec.totp_secret === undefined ? undefined : await prepareTotp(provider, communityId, userId, spec.totp_secret, current !== undefined, now);
      if (totp) totpRows.push(totp);
      if (current && current.claims === claims && current.password_hash === passwordHash) {
        if (totp) summary.updated.push(`${community.name}/user/${spec.username}/totp`);
        else if (links.length === 0) summary.unchanged++;
        continue;
      }
      const row: UserTable = {
        id: userId,
        community_id: communityId,
        username: spec.username,
        password_hash: passwordHash,
        claims,
        created_at: current?.created_at ?? now,
        updated_at: now,
      };
      userRows.push({ row, action: current ? 'update' : 'insert' });
      (current ? summary.updated : summary.created).push(`${community.name}/user/${spec.username}`);
    }
    const upstreamRows: { row: UpstreamProviderTable; action: 'insert' | 'update' }[] = [];
    for (const spec of community.upstreams) {
      const current = existing
        ? await db.selectFrom('upstream_providers').selectAll().where('community_id', '=', communityId).where('name', '=', spec.name).executeTakeFirst()
        : undefined;
      const upstreamJson = upstreamSettings(spec);
      const sameSecret = current !== undefined && unseal(secrets.sealing, current.client_secret_sealed) === spec.client_secret;
      if (current && sameSecret && current.issuer === spec.issuer && current.client_id === spec.client_id && current.settings === upstreamJson) {
        summary.unchanged++;
        continue;
      }
      const row: UpstreamProviderTable = {
        community_id: communityId,
        name: spec.name,
        issuer: spec.issuer,
        client_id: spec.client_id,
        client_secret_sealed: sameSecret ? current.client_secret_sealed : seal(secrets.sealing, spec.client_secret),
        settings: upstreamJson,
        created_at: current?.created_at ?? now,
        updated_at: now,
      };
      upstreamRows.push({ row, action: current ? 'update' : 'insert' });
      (current ? summary.updated : summary.created).push(`${community.name}/upstream/${spec.name}`);
    }
    const merged = mergeEamSetting(withMfaSettings(mergeCommunitySettings(existing?.settings ?? '{}', community), community.mfa), community.eam);
    const settings = !existing || merged !== existing.settings ? merged : undefined;
    if (existing && settings !== undefined) summary.updated.push(`${community.name}/settings`);
    if (!existing) summary.created.push(community.name);
    else if (clientRows.length === 0 && userRows.length === 0 && upstreamRows.length === 0 && externalIds.length === 0 && totpRows.length === 0 && settings === undefined) summary.unchanged++;
    prepared.push({ name: community.name, communityId, isNew: !existing, settings, keys, clientRows, userRows, upstreamRows, externalIds, totpRows });
  }
  const credentials = await prepareServiceCredentials(provider, file, now);
  summary.created.push(...credentials.created);
  summary.updated.push(...credentials.updated);
  summary.unchanged += credentials.unchanged;

  await db.transaction().execute(async (trx) => {
    await credentials.write(trx);
    for (const c of prepared) {
      if (c.isNew) {
        await trx.insertInto('communities').values({ id: c.communityId, name: c.name, settings: c.settings ?? '{}', revision: 0, created_at: now, updated_at: now }).execute();
        for (const key of c.keys) await trx.insertInto('signing_keys').values({ ...key, community_id: c.communityId }).execute();
      } else if (c.clientRows.length > 0 || c.upstreamRows.length > 0 || c.settings !== undefined) {
        if (c.settings !== undefined) await trx.updateTable('communities').set({ settings: c.settings }).where('id', '=', c.communityId).execute();
        await bumpRevision(trx, c.communityId, now);
      }
      for (const { row, action } of c.clientRows) {
        if (action === 'insert') await trx.insertInto('clients').values(row).execute();
        else
          await trx
            .updateTable('clients')
            .set({ secret_hash: row.secret_hash, secret_sealed: row.secret_sealed, metadata: row.metadata, updated_at: now })
            .where('community_id', '=', row.community_id)
            .where('client_id', '=', row.client_id)
            .execute();
      }
      for (const { row, action } of c.upstreamRows) {
        if (action === 'insert') await trx.insertInto('upstream_providers').values(row).execute();
        else
          await trx
            .updateTable('upstream_providers')
            .set({ issuer: row.issuer, client_id: row.client_id, client_secret_sealed: row.client_secret_sealed, settings: row.settings, updated_at: now })
            .where('community_id', '=', row.community_id)
            .where('name', '=', row.name)
            .execute();
      }
      for (const { row, action } of c.userRows) {
        if (action === 'insert') await trx.insertInto('users').values(row).execute();
        else
          await trx
            .updateTable('users')
            .set({ password_hash: row.password_hash, claims: row.claims, updated_at: now })
            .where('id', '=', row.id)
            .execute();
      }
      for (const { userId, links } of c.externalIds) await writeExternalIds(trx, c.communityId, userId, links, now);
      for (const row of c.totpRows) await putConfirmedTotp(trx, row);
    }
  });
  for (const c of prepared) await announceChange(provider, c.name);
  return summary;
}

/**
 * A provisioned TOTP secret to store (sealed, active at once), or undefined when the user already has this very
 * secret active (the same file twice changes nothing; the last accepted step is kept).
 */
async function prepareTotp(provider: Provider, communityId: string, userId: string, secret: string, existingUser: boolean, now: number): Promise<TotpFactorTable | undefined> {
  const current = existingUser ? await findTotp(provider.db, userId) : undefined;
  if (current?.confirmed_at != null && unseal(provider.secrets.sealing, current.secret_sealed) === secret) return undefined;
  return { user_id: userId, community_id: communityId, secret_sealed: seal(provider.secrets.sealing, secret), confirmed_at: now, last_step: null, created_at: now };
}

/** Keeps the stored hash when the password is unchanged (scrypt hashes are salted, so re-hashing would always differ). */
async function preparePassword(spec: UserSpec, currentHash: string | null, cost: number): Promise<string | null> {
  if (spec.password === undefined) return currentHash;
  if (currentHash && (await verifyPassword(spec.password, currentHash, cost))) return currentHash;
  return hashPassword(spec.password, cost);
}
