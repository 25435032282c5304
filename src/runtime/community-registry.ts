/**
 * The hot cache of communities: keys imported once, discovery and JWKS serialized once (with ETags), clients
 * loaded once. Invalidated when provisioning or a key rotation changes a community, and loaded again when a key
 * changes state with time (a NEXT key activates, a RETIRING key retires: `validUntil`, see keys/key-rotation.ts).
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Db } from '../store/database.js';
import { findCommunity, listSigningKeys } from '../store/communities.js';
import { findClientRow } from '../store/clients.js';
import { jwksDocument, loadCommunityKeys, type CommunityKeys, type StoredSigningKey } from '../keys/signing-keys.js';
import { discoveryDocument } from '../oauth/discovery.js';
import type { Clock } from './clock.js';
import { toClient, type Client, type ClientMetadata } from '../oauth/client.js';

export interface StaticDocument {
  body: Buffer;
  etag: string;
}

export interface Community {
  id: string;
  name: string;
  /** The row's revision when this entry was loaded (see runtime/change-watcher.ts). */
  revision: number;
  issuer: string;
  keys: CommunityKeys;
  /** Verifies JWTs this community signed (id_token_hint, JWT access tokens). */
  ownKeySet: JWTVerifyGetKey;
  discovery: StaticDocument;
  jwks: StaticDocument;
  /** Claims of JWT access tokens already verified (see oauth/access-token.ts); dropped with the community entry. */
  verifiedAccessTokens: Map<string, JWTPayload>;
}

export interface ResolvedClient extends Client {
  /** Keys for private_key_jwt assertions, built once per client. */
  assertionKeys?: JWTVerifyGetKey;
  /**
   * The secret last presented and verified against `secretHash`: a repeated presentation is compared to it in
   * constant time without computing the HMAC again. Dropped with the client entry when the client changes.
   */
  verifiedSecret?: string;
  /** Trusted issuers of jwt-bearer grant assertions (RFC 7523), by `iss`, with their keys built once. */
  bearerIssuers?: ReadonlyMap<string, BearerIssuer>;
}

export interface BearerIssuer {
  keys: JWTVerifyGetKey;
  subject: 'id' | 'username';
}

/** A key set from inline keys or a URL; null when neither is given. */
function keySet(jwks: ClientMetadata['jwks'], jwksUri: string | undefined): JWTVerifyGetKey | null {
  if (jwks) return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  if (jwksUri) return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5000 });
  return null;
}

function bearerIssuers(metadata: ClientMetadata, clientKeys: JWTVerifyGetKey | undefined): Map<string, BearerIssuer> {
  const out = new Map<string, BearerIssuer>();
  for (const entry of metadata.jwt_bearer_issuers ?? []) {
    const keys = keySet(entry.jwks, entry.jwks_uri) ?? (entry.issuer === metadata.client_id ? clientKeys : undefined);
    if (keys) out.set(entry.issuer, { keys, subject: entry.subject });
  }
  return out;
}

function staticDocument(value: unknown): StaticDocument {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

interface Loaded {
  community: Community;
  /** The stored key rows the community's keys were derived from (states change with time, rows do not). */
  keyRows: readonly StoredSigningKey[];
}

interface CommunityEntry {
  loaded: Promise<Loaded | undefined>;
  community: Promise<Community | undefined>;
  /** The loaded community's validUntil once it has loaded (Infinity while loading). */
  validUntil: number;
}

export class CommunityRegistry {
  private readonly communities = new Map<string, CommunityEntry>();
  private readonly clients = new Map<string, Promise<ResolvedClient | undefined>>();

  constructor(
    private readonly db: Db,
    private readonly publicUrl: string,
    private readonly sealingKey: Buffer,
    /** Decides which keys are active: the provider's clock, so key states follow the same clock as every expiry. */
    private readonly clock: Clock,
  ) {}

  issuerFor(name: string): string {
    return `${this.publicUrl}/oauth2/community/${name}`;
  }

  get(name: string): Promise<Community | undefined> {
    const cached = this.communities.get(name);
    // The hot path: one map lookup and one number comparison.
    if (cached && this.clock.now() < cached.validUntil) return cached.community;
    // A key changed state with time: derive the keys again from the rows already loaded (no database round trip,
    // so this works during a database outage too). Changed rows come with a revision bump, which drops the entry.
    const loaded = cached
      ? cached.loaded.then((l) => (l ? this.derive(l.community, l.keyRows) : undefined))
      : this.load(name);
    const entry: CommunityEntry = { loaded, community: loaded.then((l) => l?.community), validUntil: Infinity };
    this.communities.set(name, entry);
    loaded.then(
      (l) => {
        if (this.communities.get(name) !== entry) return;
        if (!l) this.communities.delete(name);
        else entry.validUntil = l.community.keys.validUntil;
      },
      () => {
        if (this.communities.get(name) === entry) this.communities.delete(name);
      },
    );
    return entry.community;
  }

  private async load(name: string): Promise<Loaded | undefined> {
    const row = await findCommunity(this.db, name);
    if (!row) return undefined;
    const keyRows = await listSigningKeys(this.db, row.id);
    const issuer = this.issuerFor(name);
    const base = { id: row.id, name, revision: Number(row.revision), issuer, discovery: staticDocument(discoveryDocument(issuer)) };
    return this.derive(base, keyRows);
  }

  /** The community with its keys in the states they are in now. */
  private derive(base: Pick<Community, 'id' | 'name' | 'revision' | 'issuer' | 'discovery'>, keyRows: readonly StoredSigningKey[]): Loaded {
    const keys = loadCommunityKeys(keyRows, this.sealingKey, this.clock.now());
    const jwks = jwksDocument(keys);
    const community: Community = {
      id: base.id,
      name: base.name,
      revision: base.revision,
      issuer: base.issuer,
      keys,
      ownKeySet: createLocalJWKSet(jwks),
      discovery: base.discovery,
      jwks: staticDocument(jwks),
      verifiedAccessTokens: new Map(),
    };
    return { community, keyRows };
  }

  client(community: Community, clientId: string): Promise<ResolvedClient | undefined> {
    const key = `${community.name}\u0000${clientId}`;
    let entry = this.clients.get(key);
    if (!entry) {
      entry = this.loadClient(community.id, clientId);
      this.clients.set(key, entry);
      entry.then(
        (c) => {
          if (!c) this.clients.delete(key);
        },
        () => this.clients.delete(key),
      );
    }
    return entry;
  }

  private async loadClient(communityId: string, clientId: string): Promise<ResolvedClient | undefined> {
    const row = await findClientRow(this.db, communityId, clientId);
    if (!row) return undefined;
    const metadata = JSON.parse(row.metadata) as ClientMetadata;
    const client: ResolvedClient = toClient(metadata, row.secret_hash, row.secret_sealed);
    const assertionKeys = keySet(metadata.jwks, metadata.jwks_uri);
    if (assertionKeys) client.assertionKeys = assertionKeys;
    if (metadata.jwt_bearer_issuers) client.bearerIssuers = bearerIssuers(metadata, client.assertionKeys);
    return client;
  }

  /**
   * Drops the entries whose community changed or disappeared since they were loaded, given every community's
   * current revision. Returns the names dropped.
   */
  async dropStale(current: ReadonlyMap<string, number>): Promise<string[]> {
    const dropped: string[] = [];
    for (const [name, entry] of this.communities) {
      const community = await entry.community.catch(() => undefined);
      if (community && current.get(name) !== community.revision) {
        this.invalidate(name);
        dropped.push(name);
      }
    }
    return dropped;
  }

  /** Drops everything cached for a community (after provisioning or key changes). */
  invalidate(name?: string): void {
    if (name === undefined) {
      this.communities.clear();
      this.clients.clear();
      return;
    }
    this.communities.delete(name);
    for (const key of this.clients.keys()) if (key.startsWith(`${name}\u0000`)) this.clients.delete(key);
  }
}
