/** Opens the database, runs migrations and assembles the Provider value from the configuration. */
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { openDatabase } from '../store/database.js';
import { migrateToLatest } from '../store/migrations.js';
import { loadMasterKey } from '../keys/master-key.js';
import { assertCost } from '../identity/password.js';
import { CommunityRegistry } from './community-registry.js';
import { systemClock, type Clock } from './clock.js';
import type { Provider } from './provider.js';
import { databaseShortLived } from '../store/short-lived.js';
import { connectRedis, redisShortLived } from '../store/redis-short-lived.js';
import { LogoutDeliveries } from '../identity/backchannel-logout.js';
import { addMissingCertificates } from '../keys/rotate.js';
import { SERVICE_CREDENTIAL_HEADERS } from '../service/authenticate.js';

/** Never logged: credentials, and the service API's credential headers and helper bodies (src/service/). */
export const LOG_REDACTION = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    '*.password',
    '*.client_secret',
    ...SERVICE_CREDENTIAL_HEADERS.map((h) => `req.headers.${h}`),
    '*.keySecret',
    '*.privateKey',
    '*.dataStr',
    '*.proof_of_authentication_jwt',
  ],
  remove: true,
};

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: LOG_REDACTION,
  });
}

export async function createProvider(config: Config, log: Logger = createLogger(config), clock: Clock = systemClock): Promise<Provider> {
  assertCost(config.passwordHashCost);
  const secrets = loadMasterKey(config.masterKey, config.dataDir, log);
  const { db } = openDatabase(config.database, config.databaseTuning, log);
  await migrateToLatest(db as never);
  const certified = await addMissingCertificates(db, secrets.sealing, clock.now());
  if (certified > 0) log.info({ keys: certified }, 'signing keys given an x5c certificate');
  const registry = new CommunityRegistry(db, config.publicUrl, secrets.sealing, clock);
  const redis = config.redis ? connectRedis(config.redis.url, config.databaseTuning.connectTimeoutMs, log) : undefined;
  const shortLived = redis && config.redis ? redisShortLived(redis, config.redis.prefix, clock) : databaseShortLived(db);
  const logoutDeliveries = new LogoutDeliveries(config.backchannelLogout, log, clock);
  const close = async () => {
    logoutDeliveries.close();
    await logoutDeliveries.settled();
    await shortLived.close();
    await db.destroy();
  };
  return { config, db, log, clock, secrets, registry, shortLived, logoutDeliveries, ...(redis ? { redis } : {}), close };
}
