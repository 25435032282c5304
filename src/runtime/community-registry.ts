/**
 * The hot cache of communities: keys imported once, discovery and JWKS serialized once (with ETags), clients
 * loaded once. Invalidated when provisioning changes a community.
 */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Db } from '../store/database.js';
import { findCommunity, listSigningKeys } from '../store/communities.js';
import { findClientRow } from '../store/clients.js';
import { jwksDocument, loadCommunityKeys, type CommunityKeys } from '../keys/signing-keys.js';
import { discoveryDocument } from '../oauth/discovery.js';
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
}

function staticDocument(value: unknown): StaticDocument {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

export class CommunityRegistry {
  private readonly communities = new Map<string, Promise<Community | undefined>>();
  private readonly clients = new Map<string, Promise<ResolvedClient | undefined>>();

  constructor(
    private readonly db: Db,
    private readonly publicUrl: string,
    private readonly sealingKey: Buffer,
  ) {}

  issuerFor(name: string): string {
    return `${this.publicUrl}/oauth2/community/${name}`;
  }

  get(name: string): Promise<Community | undefined> {
    let entry = this.communities.get(name);
    if (!entry) {
      entry = this.load(name);
      this.communities.set(name, entry);
      entry.then(
        (c) => {
          if (!c) this.communities.delete(name);
        },
        () => this.communities.delete(name),
      );
    }
    return entry;
  }

  private async load(name: string): Promise<Community | undefined> {
    const row = await findCommunity(this.db, name);
    if (!row) return undefined;
    const keys = loadCommunityKeys(await listSigningKeys(this.db, row.id), this.sealingKey);
    const issuer = this.issuerFor(name);
    const jwks = jwksDocument(keys);
    return {
      id: row.id,
      name,
      revision: Number(row.revision),
      issuer,
      keys,
      ownKeySet: createLocalJWKSet(jwks),
      discovery: staticDocument(discoveryDocument(issuer)),
      jwks: staticDocument(jwks),
      verifiedAccessTokens: new Map(),
    };
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
    if (metadata.jwks) client.assertionKeys = createLocalJWKSet(metadata.jwks as Parameters<typeof createLocalJWKSet>[0]);
    else if (metadata.jwks_uri) client.assertionKeys = createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: 5000 });
    return client;
  }

  /**
   * Drops the entries whose community changed or disappeared since they were loaded, given every community's
   * current revision. Returns the names dropped.
   */
  async dropStale(current: ReadonlyMap<string, number>): Promise<string[]> {
    const dropped: string[] = [];
    for (const [name, entry] of this.communities) {
      const community = await entry.catch(() => undefined);
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
