/**
 * Short-lived state: SSO sessions (and the clients each signed in to), interaction records, pushed authorization
 * requests, the replay cache of client-assertion `jti`s and WebAuthn challenges. It lives in
 * the database, or in Redis when REDIS_URL is set (store/redis-short-lived.ts); both give the same atomic
 * single-use semantics (an interaction completes once, a jti is accepted once).
 */
import type { Db } from './database.js';
import type { InteractionTable, PushedRequestTable, SessionClientTable, SessionTable, UpstreamPendingTable, WebauthnChallengeTable } from './schema.js';
import { insertPushedRequest, takePushedRequest } from './pushed-requests.js';
import { clearFailures, countFailure, failureCounts, type FailureCount } from './failure-counters.js';
import { endSession, findLiveSession, insertSession, liveUserSessions, recordSessionClient, sessionClients, updateSessionAuthentication } from './sessions.js';
import { putWebauthnChallenge, takeWebauthnChallenge } from './webauthn-challenges.js';
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
  /** A second factor completed in session `sid`: its methods (amr) and level (acr) from now on. */
  updateSessionAuthentication(communityId: string, sid: string, amr: string[], acr: string | null): Promise<void>;
  /** The user's live sessions in the community (every browser), newest first. */
  liveUserSessions(communityId: string, userId: string, now: number): Promise<SessionTable[]>;
  /** Remembers that a session signed in to a client (for the session list and front-/back-channel logout). */
  recordSessionClient(row: SessionClientTable): Promise<void>;
  /** The clients session `sid` signed in to, in the order it first did. */
  sessionClients(communityId: string, sid: string): Promise<string[]>;
  insertInteraction(row: InteractionTable): Promise<void>;
  findLiveInteraction(communityId: string, uid: string, now: number): Promise<InteractionTable | undefined>;
  recordInteractionLogin(uid: string, login: InteractionLogin): Promise<void>;
  /** Marks the interaction finished; true for the one caller that wins. */
  consumeInteraction(uid: string, now: number): Promise<boolean>;
  /** Records a client assertion's jti until `expiresAt`; false when it was already used. */
  recordAssertionJti(communityId: string, clientId: string, jti: string, expiresAt: number): Promise<boolean>;
  insertPushedRequest(row: PushedRequestTable): Promise<void>;
  /** The live pushed request behind a request_uri, removed as it is read: exactly one caller gets it. */
  takePushedRequest(communityId: string, requestUri: string, now: number): Promise<PushedRequestTable | undefined>;
  /** Brute-force counters: one more failure under `key` in a fixed window; the counts of several keys; a reset. */
  countFailure(key: string, windowSeconds: number, now: number): Promise<FailureCount>;
  failureCounts(keys: readonly string[], now: number): Promise<FailureCount[]>;
  clearFailures(key: string): Promise<void>;
  /** A redirect to an upstream identity provider waiting for its callback (identity/upstream/). */
  insertUpstreamPending(row: UpstreamPendingTable): Promise<void>;
  /** Takes the live pending redirect with this state hash, once: a second call gets undefined. */
  takeUpstreamPending(communityId: string, stateHash: string, now: number): Promise<UpstreamPendingTable | undefined>;
  /** A WebAuthn ceremony's challenge under its binding key; a new one replaces the previous. */
  putWebauthnChallenge(row: WebauthnChallengeTable): Promise<void>;
  /** Takes the live challenge under `key`, once: a second call gets undefined. */
  takeWebauthnChallenge(communityId: string, key: string, now: number): Promise<WebauthnChallengeTable | undefined>;
  close(): Promise<void>;
}

export function databaseShortLived(db: Db): ShortLivedStore {
  return {
    kind: 'database',
    insertSession: (row) => insertSession(db, row),
    findLiveSession: (communityId, cookieHash, now) => findLiveSession(db, communityId, cookieHash, now),
    endSession: (communityId, sid, now) => endSession(db, communityId, sid, now),
    updateSessionAuthentication: (communityId, sid, amr, acr) => updateSessionAuthentication(db, communityId, sid, amr, acr),
    liveUserSessions: (communityId, userId, now) => liveUserSessions(db, communityId, userId, now),
    recordSessionClient: (row) => recordSessionClient(db, row),
    sessionClients: (communityId, sid) => sessionClients(db, communityId, sid),
    insertInteraction: (row) => insertInteraction(db, row),
    findLiveInteraction: (communityId, uid, now) => findLiveInteraction(db, communityId, uid, now),
    recordInteractionLogin: (uid, login) => recordInteractionLogin(db, uid, login.userId, login.authTime, login.amr, login.sid, login.acr ?? null),
    consumeInteraction: (uid, now) => consumeInteraction(db, uid, now),
    recordAssertionJti: (communityId, clientId, jti, expiresAt) => recordAssertionJti(db, communityId, clientId, jti, expiresAt),
    insertPushedRequest: (row) => insertPushedRequest(db, row),
    takePushedRequest: (communityId, requestUri, now) => takePushedRequest(db, communityId, requestUri, now),
    countFailure: (key, windowSeconds, now) => countFailure(db, key, windowSeconds, now),
    failureCounts: (keys, now) => failureCounts(db, keys, now),
    clearFailures: (key) => clearFailures(db, key),
    insertUpstreamPending: (row) => insertUpstreamPending(db, row),
    takeUpstreamPending: (communityId, stateHash, now) => takeUpstreamPending(db, communityId, stateHash, now),
    putWebauthnChallenge: (row) => putWebauthnChallenge(db, row),
    takeWebauthnChallenge: (communityId, key, now) => takeWebauthnChallenge(db, communityId, key, now),
    close: async () => undefined,
  };
}
