/** Everything a request needs from the running process, passed as one value (no globals). */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../store/database.js';
import type { DerivedKeys } from '../keys/master-key.js';
import type { Clock } from './clock.js';
import type { CommunityRegistry } from './community-registry.js';

export interface Provider {
  config: Config;
  db: Db;
  log: Logger;
  clock: Clock;
  secrets: DerivedKeys;
  registry: CommunityRegistry;
}
