/**
 * Short-lived state in Redis (REDIS_URL). Every key expires with its record, so nothing needs sweeping.
 * - session  `{p}s:{community}:{cookie hash}` → the row (JSON); `{p}sid:{community}:{sid}` → the cookie hash, so a
 *   session can be ended by sid (logout) on any node;
 * - interaction `{p}i:{uid}` → the row (JSON); completion is `SET {p}ic:{uid} NX`, so exactly one caller wins;
 * - assertion jti `SET {p}j:{community}:{client}:{jti} NX EX …` until the assertion expires: accepted once;
 * - upstream pending redirect `{p}u:{community}:{state hash}` → the row (JSON), taken once with GETDEL.
 * Commands fail at once while Redis is unreachable (no offline queue): the request gets a 503, never a hang.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { InteractionTable, SessionTable, UpstreamPendingTable } from './schema.js';
import type { InteractionLogin, ShortLivedStore } from './short-lived.js';

export function connectRedis(url: string, connectTimeoutMs: number, log: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: connectTimeoutMs,
    commandTimeout: connectTimeoutMs,
    // Keep reconnecting (bounded backoff): the node serves again as soon as Redis is back.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message }, 'redis unreachable: sign-in pages and sessions answer 503 until it is back');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis reachable again');
    down = false;
  });
  return redis;
}

/** Seconds until `expiresAt` (at least 1: Redis refuses 0). */
const ttl = (expiresAt: number, now: number) => Math.max(1, expiresAt - now);

export function redisShortLived(redis: Redis, prefix: string, clock: { now(): number }): ShortLivedStore {
  const sessionKey = (communityId: string, cookieHash: string) => `${prefix}s:${communityId}:${cookieHash}`;
  const sidKey = (communityId: string, sid: string) => `${prefix}sid:${communityId}:${sid}`;
  const interactionKey = (uid: string) => `${prefix}i:${uid}`;
  const consumedKey = (uid: string) => `${prefix}ic:${uid}`;
  return {
    kind: 'redis',
    async insertSession(row: SessionTable) {
      const seconds = ttl(row.expires_at, clock.now());
      await redis
        .multi()
        .set(sessionKey(row.community_id, row.cookie_hash), JSON.stringify(row), 'EX', seconds)
        .set(sidKey(row.community_id, row.sid), row.cookie_hash, 'EX', seconds)
        .exec();
    },
    async findLiveSession(communityId, cookieHash, now) {
      const raw = await redis.get(sessionKey(communityId, cookieHash));
      if (!raw) return undefined;
      const row = JSON.parse(raw) as SessionTable;
      return row.community_id === communityId && row.expires_at > now && row.ended_at === null ? row : undefined;
    },
    async endSession(communityId, sid) {
      const cookieHash = await redis.get(sidKey(communityId, sid));
      if (cookieHash) await redis.del(sessionKey(communityId, cookieHash), sidKey(communityId, sid));
    },
    async insertInteraction(row: InteractionTable) {
      await redis.set(interactionKey(row.uid), JSON.stringify(row), 'EX', ttl(row.expires_at, clock.now()));
    },
    async findLiveInteraction(communityId, uid, now) {
      const [raw, consumed] = await redis.mget(interactionKey(uid), consumedKey(uid));
      if (!raw || consumed) return undefined;
      const row = JSON.parse(raw) as InteractionTable;
      return row.community_id === communityId && row.expires_at > now ? row : undefined;
    },
    async recordInteractionLogin(uid, login: InteractionLogin) {
      const raw = await redis.get(interactionKey(uid));
      if (!raw) return;
      const row = JSON.parse(raw) as InteractionTable;
      const updated: InteractionTable = { ...row, user_id: login.userId, auth_time: login.authTime, amr: JSON.stringify(login.amr), sid: login.sid, acr: login.acr ?? null };
      // KEEPTTL: the interaction keeps its original expiry.
      await redis.set(interactionKey(uid), JSON.stringify(updated), 'KEEPTTL', 'XX');
    },
    async consumeInteraction(uid, now) {
      const raw = await redis.get(interactionKey(uid));
      if (!raw) return false;
      const row = JSON.parse(raw) as InteractionTable;
      return (await redis.set(consumedKey(uid), String(now), 'EX', ttl(row.expires_at, now), 'NX')) === 'OK';
    },
    async recordAssertionJti(communityId, clientId, jti, expiresAt) {
      const key = `${prefix}j:${communityId}:${clientId}:${jti}`;
      return (await redis.set(key, '1', 'EX', ttl(expiresAt, clock.now()), 'NX')) === 'OK';
    },
    async insertUpstreamPending(row: UpstreamPendingTable) {
      await redis.set(`${prefix}u:${row.community_id}:${row.state_hash}`, JSON.stringify(row), 'EX', ttl(row.expires_at, clock.now()));
    },
    async takeUpstreamPending(communityId, stateHash, now) {
      const raw = await redis.getdel(`${prefix}u:${communityId}:${stateHash}`);
      if (!raw) return undefined;
      const row = JSON.parse(raw) as UpstreamPendingTable;
      return row.community_id === communityId && row.expires_at > now ? row : undefined;
    },
    async close() {
      redis.disconnect();
    },
  };
}
