/**
 * Short-lived state: SSO sessions, interaction records and the replay cache of client-assertion `jti`s. It lives in
 * the database, or in Redis when REDIS_URL is set (store/redis-short-lived.ts); both give the same atomic
 * single-use semantics (an interaction completes once, a jti is accepted once).
 */
import type { Db } from './database.js';
import type { InteractionTable, SessionTable, UpstreamPendingTable } from './schema.js';
import { endSession, findLiveSession, insertSession } from './sessions.js';
import { consumeInteraction, findLiveInteraction, insertInteraction, recordInteractionLogin } from './interactions.js';
import { recordAssertionJti } from './assertion-jtis.js';
import { insertUpstreamPending, takeUpstreamPending } from './upstream-pending.js';

export interface InteractionLogin {
  userId: string;
  authTime: number;
  amr: string[];
  sid: string;
  /** The acr achieved (e.g. `idp:NAME` for an upstream login). */
  acr?: string | null;
}

export interface ShortLivedStore {
  readonly kind: 'database' | 'redis';
  insertSession(row: SessionTable): Promise<void>;
  findLiveSession(communityId: string, cookieHash: string, now: number): Promise<SessionTable | undefined>;
  /** Ends the session `sid` of the community, everywhere. */
  endSession(communityId: string, sid: string, now: number): Promise<void>;
  insertInteraction(row: InteractionTable): Promise<void>;
  findLiveInteraction(communityId: string, uid: string, now: number): Promise<InteractionTable | undefined>;
  recordInteractionLogin(uid: string, login: InteractionLogin): Promise<void>;
  /** Marks the interaction finished; true for the one caller that wins. */
  consumeInteraction(uid: string, now: number): Promise<boolean>;
  /** Records a client assertion's jti until `expiresAt`; false when it was already used. */
  recordAssertionJti(communityId: string, clientId: string, jti: string, expiresAt: number): Promise<boolean>;
  /** A redirect to an upstream identity provider waiting for its callback (identity/upstream/). */
  insertUpstreamPending(row: UpstreamPendingTable): Promise<void>;
  /** Takes the live pending redirect with this state hash, once: a second call gets undefined. */
  takeUpstreamPending(communityId: string, stateHash: string, now: number): Promise<UpstreamPendingTable | undefined>;
  close(): Promise<void>;
}

export function databaseShortLived(db: Db): ShortLivedStore {
  return {
    kind: 'database',
    insertSession: (row) => insertSession(db, row),
    findLiveSession: (communityId, cookieHash, now) => findLiveSession(db, communityId, cookieHash, now),
    endSession: (communityId, sid, now) => endSession(db, communityId, sid, now),
    insertInteraction: (row) => insertInteraction(db, row),
    findLiveInteraction: (communityId, uid, now) => findLiveInteraction(db, communityId, uid, now),
    recordInteractionLogin: (uid, login) => recordInteractionLogin(db, uid, login.userId, login.authTime, login.amr, login.sid, login.acr ?? null),
    consumeInteraction: (uid, now) => consumeInteraction(db, uid, now),
    recordAssertionJti: (communityId, clientId, jti, expiresAt) => recordAssertionJti(db, communityId, clientId, jti, expiresAt),
    insertUpstreamPending: (row) => insertUpstreamPending(db, row),
    takeUpstreamPending: (communityId, stateHash, now) => takeUpstreamPending(db, communityId, stateHash, now),
    close: async () => undefined,
  };
}
