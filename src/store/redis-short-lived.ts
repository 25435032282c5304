/**
 * Short-lived state in Redis (REDIS_URL). Every key expires with its record, so nothing needs sweeping.
 * - session  `{p}s:{community}:{cookie hash}` → the row (JSON); `{p}sid:{community}:{sid}` → the cookie hash, so a
 *   session can be ended by sid (logout) on any node; `{p}us:{community}:{user}` → set of the user's cookie hashes
 *   (stale members are dropped on read); `{p}sc:{community}:{sid}` → sorted set of the clients the session signed in
 *   to, scored by first sign-in;
 * - interaction `{p}i:{uid}` → the row (JSON); completion is `SET {p}ic:{uid} NX`, so exactly one caller wins;
 * - assertion jti `SET {p}j:{community}:{client}:{jti} NX EX …` until the assertion expires: accepted once;
 * - pushed authorization request `{p}par:{community}:{request_uri}` → the row (JSON), taken with GETDEL: used once;
 * - failure counter `{p}f:{key}` → hash {c: count, e: window end}, counted by a script (a window that ended, by the
 *   server's clock, starts again at 1); the key expires a minute after its window.
 * - upstream pending redirect `{p}u:{community}:{state hash}` → the row (JSON), taken once with GETDEL.
 * - WebAuthn challenge `{p}wc:{community}:{binding key}` → the row (JSON), replaced by a newer one, taken once with GETDEL.
 * Commands fail at once while Redis is unreachable (no offline queue): the request gets a 503, never a hang.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { InteractionTable, PushedRequestTable, SessionClientTable, SessionTable, UpstreamPendingTable, WebauthnChallengeTable } from './schema.js';
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

/** One more failure in the window (a new window when the stored one ended); returns {count, window end}. */
const COUNT_FAILURE = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local ends = tonumber(redis.call('HGET', KEYS[1], 'e') or '0')
if ends <= now then
  redis.call('HSET', KEYS[1], 'c', 1, 'e', now + window)
  redis.call('EXPIRE', KEYS[1], window + 60)
  return {1, now + window}
end
return {redis.call('HINCRBY', KEYS[1], 'c', 1), ends}
`;

/** Seconds until `expiresAt` (at least 1: Redis refuses 0). */
const ttl = (expiresAt: number, now: number) => Math.max(1, expiresAt - now);

export function redisShortLived(redis: Redis, prefix: string, clock: { now(): number }): ShortLivedStore {
  const sessionKey = (communityId: string, cookieHash: string) => `${prefix}s:${communityId}:${cookieHash}`;
  const sidKey = (communityId: string, sid: string) => `${prefix}sid:${communityId}:${sid}`;
  const userSessionsKey = (communityId: string, userId: string) => `${prefix}us:${communityId}:${userId}`;
  const sessionClientsKey = (communityId: string, sid: string) => `${prefix}sc:${communityId}:${sid}`;
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
        .sadd(userSessionsKey(row.community_id, row.user_id), row.cookie_hash)
        // The index lives as long as the user's longest session (NX sets a first expiry, GT only lengthens it).
        .expire(userSessionsKey(row.community_id, row.user_id), seconds, 'NX')
        .expire(userSessionsKey(row.community_id, row.user_id), seconds, 'GT')
        .exec();
    },
    async liveUserSessions(communityId, userId, now) {
      const key = userSessionsKey(communityId, userId);
      const hashes = await redis.smembers(key);
      if (hashes.length === 0) return [];
      const raws = await redis.mget(hashes.map((h) => sessionKey(communityId, h)));
      const live: SessionTable[] = [];
      const stale: string[] = [];
      raws.forEach((raw, i) => {
        const row = raw ? (JSON.parse(raw) as SessionTable) : undefined;
        if (row && row.user_id === userId && row.expires_at > now && row.ended_at === null) live.push(row);
        else stale.push(hashes[i]!);
      });
      if (stale.length > 0) await redis.srem(key, ...stale);
      return live.sort((a, b) => b.created_at - a.created_at);
    },
    async recordSessionClient(row: SessionClientTable) {
      const key = sessionClientsKey(row.community_id, row.sid);
      await redis.multi().zadd(key, 'NX', String(row.created_at), row.client_id).expire(key, ttl(row.expires_at, clock.now())).exec();
    },
    async sessionClients(communityId, sid) {
      return redis.zrange(sessionClientsKey(communityId, sid), '0', '-1');
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
    async updateSessionAuthentication(communityId, sid, amr, acr) {
      const cookieHash = await redis.get(sidKey(communityId, sid));
      const raw = cookieHash ? await redis.get(sessionKey(communityId, cookieHash)) : null;
      if (!cookieHash || !raw) return;
      const row = JSON.parse(raw) as SessionTable;
      // KEEPTTL XX: the session keeps its expiry, and a session ended meanwhile is not brought back.
      await redis.set(sessionKey(communityId, cookieHash), JSON.stringify({ ...row, amr: JSON.stringify(amr), acr }), 'KEEPTTL', 'XX');
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
    async insertPushedRequest(row: PushedRequestTable) {
      await redis.set(`${prefix}par:${row.community_id}:${row.request_uri}`, JSON.stringify(row), 'EX', ttl(row.expires_at, clock.now()));
    },
    async takePushedRequest(communityId, requestUri, now) {
      const raw = await redis.getdel(`${prefix}par:${communityId}:${requestUri}`);
      const row = raw ? (JSON.parse(raw) as PushedRequestTable) : undefined;
      return row && row.community_id === communityId && row.expires_at > now ? row : undefined;
    },
    async countFailure(key, windowSeconds, now) {
      const [count, expiresAt] = (await redis.eval(COUNT_FAILURE, 1, `${prefix}f:${key}`, String(now), String(windowSeconds))) as [number, number];
      return { count: Number(count), expiresAt: Number(expiresAt) };
    },
    async failureCounts(keys, now) {
      if (keys.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.hmget(`${prefix}f:${key}`, 'c', 'e');
      const results = (await pipeline.exec()) ?? [];
      return results.map((result) => {
        const [count, expiresAt] = (result?.[1] as (string | null)[] | undefined) ?? [];
        const end = Number(expiresAt ?? 0);
        return end > now ? { count: Number(count ?? 0), expiresAt: end } : { count: 0, expiresAt: 0 };
      });
    },
    async clearFailures(key) {
      await redis.del(`${prefix}f:${key}`);
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
    async putWebauthnChallenge(row: WebauthnChallengeTable) {
      await redis.set(`${prefix}wc:${row.community_id}:${row.key}`, JSON.stringify(row), 'EX', ttl(row.expires_at, clock.now()));
    },
    async takeWebauthnChallenge(communityId, key, now) {
      const raw = await redis.getdel(`${prefix}wc:${communityId}:${key}`);
      if (!raw) return undefined;
      const row = JSON.parse(raw) as WebauthnChallengeTable;
      return row.community_id === communityId && row.expires_at > now ? row : undefined;
    },
    async close() {
      redis.disconnect();
    },
  };
}
