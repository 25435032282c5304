/**
 * Rotating a community's signing keys (the rules are in key-rotation.ts):
 * - `rotateKeys` (tessera keys rotate): per algorithm, a new key published now that starts signing after
 *   KEY_PUBLISH_DELAY_SECONDS; the key it supersedes is published until every token it signed has expired;
 * - `rotateDueKeys` (a background job on every node): the same for every community whose active key is
 *   KEY_ROTATION_DAYS old and has no NEXT key yet;
 * - `deleteRetiredKeys`: keys retired for a day are deleted;
 * - `addMissingCertificates` (at start): keys made before JWKs carried `x5c` get their certificate.
 *
 * Each rotation is one transaction that also bumps the community's revision, so every node drops its cached copy
 * (change-watcher.ts). Nodes rotating at once are serialized (an advisory lock on PostgreSQL, SQLite's single
 * writer) and re-check inside the transaction, so one rotation happens, not one per node.
 */
import { sql } from 'kysely';
import type { Provider } from '../runtime/provider.js';
import type { Db } from '../store/database.js';
import { bumpRevision, listSigningKeys, replacePublicJwk, signingKeysWithoutCertificate } from '../store/communities.js';
import { announceChange } from '../runtime/change-watcher.js';
import { generateSigningKey, SIGNING_ALGS, withCertificate, type StoredSigningKey } from './signing-keys.js';
import type { SigningAlg } from './jws-sign.js';
import {
  activeKey,
  keyStates,
  newKeyActivation,
  nextKeys,
  RETIRED_KEY_GRACE_SECONDS,
  retireTime,
  rotationDue,
  type KeyState,
} from './key-rotation.js';

/** A rotation the operator asked for cannot be done (unknown community, a rotation already under way). */
export class KeyRotationError extends Error {}

/** Taken (per transaction) by every key rotation on PostgreSQL: "tesserak" in ASCII. */
const KEY_ROTATION_LOCK = 0x7465737365726bn;

export interface RotatedKey {
  community: string;
  alg: SigningAlg;
  /** The new key: published now, signing from `activatesAt`. */
  kid: string;
  activatesAt: number;
  /** The keys it supersedes and when they retire. */
  superseded: { kid: string; retiresAt: number }[];
  /** NEXT keys replaced with --force (never used to sign). */
  withdrawn: string[];
}

export interface RotateOptions {
  /** Default: every algorithm (ES256 and RS256). */
  algs?: readonly SigningAlg[];
  /** Epoch seconds. */
  now: number;
  /** Replace a NEXT key that is already published (it has not signed anything yet) instead of refusing. */
  force?: boolean;
}

export const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

type Decision = (keys: readonly StoredSigningKey[], alg: SigningAlg) => 'rotate' | 'skip' | 'replace-next';

/**
 * Rotates the keys of `communityName` for `options.algs` now. Refuses (KeyRotationError) for an unknown community,
 * and for an algorithm that already has a NEXT key unless `force`, in which case that key is withdrawn (deleted:
 * it was published but has never signed) and replaced.
 */
export async function rotateKeys(provider: Provider, communityName: string, options: RotateOptions): Promise<RotatedKey[]> {
  const algs = options.algs ?? SIGNING_ALGS;
  const { now } = options;
  return rotateCommunity(provider, communityName, algs, now, (keys, alg) => {
    const pending = nextKeys(keys, alg, now);
    if (pending.length === 0) return 'rotate';
    if (options.force) return 'replace-next';
    const first = pending[0]!;
    throw new KeyRotationError(
      `community ${communityName} already has a NEXT ${alg} key ${first.kid} (published, signs from ${iso(first.activates_at)}); ` +
        'rotate again after it activates, or pass --force to replace it',
    );
  });
}

/**
 * The scheduled rotation: every community whose newest key of an algorithm activated KEY_ROTATION_DAYS ago or more
 * (and has no NEXT key) is rotated. Safe when several nodes run it at once. Returns what was rotated.
 */
export async function rotateDueKeys(provider: Provider, now: number): Promise<RotatedKey[]> {
  const days = provider.config.keyRotationDays;
  if (days <= 0) return [];
  const communities = await provider.db.selectFrom('communities').select(['id', 'name']).orderBy('name').execute();
  const keys = await provider.db.selectFrom('signing_keys').select(['community_id', 'kid', 'alg', 'created_at', 'activates_at', 'retires_at']).execute();
  const rotated: RotatedKey[] = [];
  let failure: unknown;
  for (const community of communities) {
    const own = keys.filter((k) => k.community_id === community.id);
    const due = SIGNING_ALGS.filter((alg) => rotationDue(own, alg, now, days));
    if (due.length === 0) continue;
    try {
      // Checked again inside the transaction: another node may have rotated in between.
      rotated.push(...(await rotateCommunity(provider, community.name, due, now, (current, alg) => (rotationDue(current, alg, now, days) ? 'rotate' : 'skip'))));
    } catch (err) {
      if (err instanceof KeyRotationError) continue; // the community was deleted meanwhile
      failure ??= err; // the other communities are still rotated; the job reports the failure
    }
  }
  if (failure !== undefined) throw failure;
  return rotated;
}

async function rotateCommunity(provider: Provider, name: string, algs: readonly SigningAlg[], now: number, decide: Decision): Promise<RotatedKey[]> {
  const { db, config, secrets } = provider;
  // Slow work (RSA key generation) before the transaction, so no lock is held meanwhile.
  const fresh = new Map<SigningAlg, StoredSigningKey>();
  for (const alg of new Set(algs)) fresh.set(alg, await generateSigningKey(alg, secrets.sealing, now));

  const rotated = await db.transaction().execute(async (trx) => {
    await lockKeyChanges(trx, config.database.kind, name);
    const community = await trx.selectFrom('communities').select('id').where('name', '=', name).executeTakeFirst();
    if (!community) throw new KeyRotationError(`community ${JSON.stringify(name)} does not exist`);
    let keys = await listSigningKeys(trx, community.id);
    const done: RotatedKey[] = [];
    for (const [alg, key] of fresh) {
      const decision = decide(keys, alg);
      if (decision === 'skip') continue;
      const withdrawn = decision === 'replace-next' ? nextKeys(keys, alg, now).map((k) => k.kid) : [];
      if (withdrawn.length > 0) {
        await trx.deleteFrom('signing_keys').where('community_id', '=', community.id).where('kid', 'in', withdrawn).execute();
        keys = keys.filter((k) => !withdrawn.includes(k.kid));
      }
      const activatesAt = newKeyActivation(keys, alg, now, config.keyPublishDelaySeconds);
      const retiresAt = retireTime(activatesAt, config.lifetimes);
      // The active key signs until the new one activates; a superseded key without a retire time (there should be
      // none) gets the same one rather than being published for ever.
      const active = activeKey(keys, alg, now);
      const superseded = keys.filter((k) => k.alg === alg && k.activates_at <= now && (k.kid === active?.kid || k.retires_at === null));
      for (const old of superseded) {
        await trx.updateTable('signing_keys').set({ retires_at: retiresAt }).where('community_id', '=', community.id).where('kid', '=', old.kid).execute();
      }
      const row: StoredSigningKey = { ...key, activates_at: activatesAt, retires_at: null };
      await trx.insertInto('signing_keys').values({ ...row, community_id: community.id }).execute();
      keys = [...keys.map((k) => (superseded.some((s) => s.kid === k.kid) ? { ...k, retires_at: retiresAt } : k)), row];
      done.push({ community: name, alg, kid: key.kid, activatesAt, superseded: superseded.map((k) => ({ kid: k.kid, retiresAt })), withdrawn });
    }
    if (done.length > 0) await bumpRevision(trx, community.id, now);
    return done;
  });
  if (rotated.length > 0) {
    await announceChange(provider, name);
    provider.log.info({ community: name, keys: rotated.map((r) => ({ alg: r.alg, kid: r.kid, activates_at: r.activatesAt })) }, 'signing keys rotated');
  }
  return rotated;
}

/**
 * Serializes key changes: on PostgreSQL an advisory lock held until the transaction ends; on SQLite a write first,
 * which takes the database's single write lock before anything is read (so a rotation in another process, e.g.
 * `tessera keys rotate` beside a serving node, waits instead of failing on a stale read).
 */
async function lockKeyChanges(trx: Db, kind: 'sqlite' | 'postgres', name: string): Promise<void> {
  if (kind === 'postgres') await sql`select pg_advisory_xact_lock(${sql.raw(String(KEY_ROTATION_LOCK))})`.execute(trx);
  else await trx.updateTable('communities').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('name', '=', name).execute();
}

/**
 * Deletes keys retired more than a day ago. Never the active key of an algorithm (it has a retire time only once a
 * newer key exists, and stays active until that one activates). Returns how many were deleted.
 */
export async function deleteRetiredKeys(db: Db, now: number): Promise<number> {
  const result = await db
    .deleteFrom('signing_keys')
    .where('retires_at', 'is not', null)
    .where('retires_at', '<', now - RETIRED_KEY_GRACE_SECONDS)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('signing_keys as newer')
          .select('newer.kid')
          .whereRef('newer.community_id', '=', 'signing_keys.community_id')
          .whereRef('newer.alg', '=', 'signing_keys.alg')
          .whereRef('newer.activates_at', '>', 'signing_keys.activates_at')
          .where('newer.activates_at', '<=', now),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface KeyDescription {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt: number;
  activatesAt: number;
  retiresAt: number | null;
}

/** A community's keys and their states at `now`, newest first per algorithm; no private material. */
export async function describeKeys(provider: Provider, communityName: string, now: number): Promise<KeyDescription[]> {
  const community = await provider.db.selectFrom('communities').select('id').where('name', '=', communityName).executeTakeFirst();
  if (!community) throw new KeyRotationError(`community ${JSON.stringify(communityName)} does not exist`);
  const rows = await provider.db
    .selectFrom('signing_keys')
    .select(['kid', 'alg', 'created_at', 'activates_at', 'retires_at'])
    .where('community_id', '=', community.id)
    .execute();
  const states = keyStates(rows, now);
  return rows
    .map((r) => ({ kid: r.kid, alg: r.alg, state: states.get(r.kid)!, createdAt: Number(r.created_at), activatesAt: Number(r.activates_at), retiresAt: r.retires_at === null ? null : Number(r.retires_at) }))
    .sort((a, b) => a.alg.localeCompare(b.alg) || b.activatesAt - a.activatesAt || b.createdAt - a.createdAt);
}

/**
 * Gives every stored key without one a self-signed certificate (x5c). Nodes starting together may both make one;
 * the first write wins (compare and set) and the community's revision is bumped so every node reloads its JWKS.
 */
export async function addMissingCertificates(db: Db, sealingKey: Buffer, now: number): Promise<number> {
  let added = 0;
  for (const row of await signingKeysWithoutCertificate(db)) {
    const next = await withCertificate(row, sealingKey, now);
    if (next && (await replacePublicJwk(db, row.kid, row.public_jwk, next))) {
      await bumpRevision(db, row.community_id, now);
      added++;
    }
  }
  return added;
}
