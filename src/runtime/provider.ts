/** Everything a request needs from the running process, passed as one value (no globals). */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../store/database.js';
import type { DerivedKeys } from '../keys/master-key.js';
import type { Clock } from './clock.js';
import type { CommunityRegistry } from './community-registry.js';
import type { Redis } from 'ioredis';
import type { ShortLivedStore } from '../store/short-lived.js';
import type { LogoutDeliveries } from '../identity/backchannel-logout.js';

export interface Provider {
  config: Config;
  db: Db;
  log: Logger;
  clock: Clock;
  secrets: DerivedKeys;
  registry: CommunityRegistry;
  /** Sessions, interactions, jti replay cache: the database, or Redis when configured. */
  shortLived: ShortLivedStore;
  /** Back-channel logout tokens on their way to clients (retried in the background). */
  logoutDeliveries: LogoutDeliveries;
  /** The Redis connection when REDIS_URL is set (readiness, change notifications). */
  redis?: Redis;
  /** Releases the database and Redis connections. */
  close(): Promise<void>;
}
