/**
 * Every environment variable Tessera reads, parsed and validated in one place into one typed object.
 * Nothing else in the code base reads `process.env`.
 */
import path from 'node:path';
import { EC_CURVES, type EcCurve } from './service/ecdh.js';

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string };

export interface DatabaseTuning {
  /** PostgreSQL connections per node. */
  poolSize: number;
  /** A statement running longer is cancelled (PostgreSQL statement_timeout; SQLite busy timeout). */
  statementTimeoutMs: number;
  /** Waiting longer for a connection (an unreachable database) fails the request with 503. */
  connectTimeoutMs: number;
}

export interface Lifetimes {
  /** seconds */
  accessToken: number;
  idToken: number;
  authorizationCode: number;
  refreshToken: number;
  session: number;
  interaction: number;
}

export interface Config {
  host: string;
  port: number;
  publicUrl: string;
  /** true when PUBLIC_URL is https: cookies get `Secure`. */
  secureCookies: boolean;
  database: DatabaseConfig;
  databaseTuning: DatabaseTuning;
  /** Redis for short-lived state and change notifications; undefined: everything in the database. */
  redis: { url: string; prefix: string } | undefined;
  /** How often a node looks for changes other nodes (or `tessera apply`) made to communities, clients and keys. */
  changePollMs: number;
  /** How often expired rows are swept, and how many at most per table and sweep. */
  sweepIntervalMs: number;
  sweepBatch: number;
  /** After SIGTERM, in-flight requests get this long to finish. */
  shutdownGraceMs: number;
  /** Scheduled signing key rotation: a community's keys are rotated once the active one is this many days old (0: never). */
  keyRotationDays: number;
  /** A new signing key is published this many seconds before it starts signing. */
  keyPublishDelaySeconds: number;
  dataDir: string;
  bootstrapFile: string | undefined;
  /** Raw master key material (hex or base64, ≥ 32 bytes) or undefined (a dev key is generated). */
  masterKey: string | undefined;
  logLevel: string;
  lifetimes: Lifetimes;
  /** scrypt cost parameter for user passwords (power of two). */
  passwordHashCost: number;
  /** Create the demo community on first start when the database is empty. */
  demo: boolean;
  /** Brute-force limits on password and code checks (identity/throttle.ts). */
  throttle: { windowSeconds: number; perAccountAndClient: number; perAccount: number; perClientAddress: number };
  /** OIDC Back-Channel Logout delivery: attempts per client, the first retry delay (doubling), the per-attempt timeout. */
  backchannelLogout: { attempts: number; retryMs: number; timeoutMs: number };
  trustProxy: boolean;
  serviceApi: ServiceApiConfig;
  /** Microsoft Entra external authentication (src/eam/). */
  eam: {
    /** EAM_JWKS_REFETCH_COOLDOWN_MS: the least time between two fetches of Entra's keys for an unknown `kid`. */
    jwksRefetchCooldownMs: number;
  };
}

/** The service API (src/service/, issue 6). */
export interface ServiceApiConfig {
  /** EC_CURVE_NAME: the curve of the ECDH service authentication (secp256k1 unless a deployment needs P-256). */
  curve: EcCurve;
  /** SERVICE_ALLOWED_TIME_SPAN: seconds a requestid's `ts` may differ from now (also reported by /environment). */
  allowedTimeSpan: number;
  /** SERVICE_PLAIN_AUTH: accept the plain `license` header (and keyId/keySecret) besides the encrypted scheme. */
  plainAuth: boolean;
  /** SERVICE_ECDSA_HELPER: serve POST /oauth2/ecdsa_helper/{encrypt|decrypt} (it receives private keys). */
  ecdsaHelper: boolean;
  /** SERVICE_DIRECTORY: JSON object name → URL served by /oauth2/sd; `oauth2` is always this service. */
  directory: Record<string, string>;
}

export class ConfigError extends Error {}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolVar(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/** `sqlite:relative/path.db`, `sqlite:///absolute/path.db`, `postgres://…` (or `postgresql://…`). */
export function parseDatabaseUrl(raw: string | undefined, dataDir: string, cwd: string): DatabaseConfig {
  if (raw === undefined || raw === '') return { kind: 'sqlite', file: path.join(dataDir, 'tessera.db') };
  if (/^postgres(ql)?:\/\//.test(raw)) return { kind: 'postgres', url: raw };
  if (raw.startsWith('sqlite:')) {
    const rest = raw.slice('sqlite:'.length);
    if (rest.startsWith('//')) {
      const abs = rest.slice(2);
      if (!abs.startsWith('/')) throw new ConfigError('DATABASE_URL sqlite:/// form needs an absolute path');
      return { kind: 'sqlite', file: abs };
    }
    if (rest === '') throw new ConfigError('DATABASE_URL sqlite: needs a file path');
    if (rest === ':memory:') return { kind: 'sqlite', file: ':memory:' };
    return { kind: 'sqlite', file: path.resolve(cwd, rest) };
  }
  throw new ConfigError(`DATABASE_URL must start with sqlite: or postgres://, got ${JSON.stringify(raw)}`);
}

function parseRedisUrl(raw: string): string {
  if (!/^rediss?:\/\/[^\s]+$/.test(raw)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  return raw;
}

function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PUBLIC_URL is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('PUBLIC_URL must be http or https');
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError('PUBLIC_URL must not carry a query, fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}

function parseCurve(raw: string | undefined): EcCurve {
  if (raw === undefined || raw === '') return 'secp256k1';
  const name = raw === 'P-256' ? 'prime256v1' : raw;
  if (!(EC_CURVES as readonly string[]).includes(name)) throw new ConfigError(`EC_CURVE_NAME must be one of ${EC_CURVES.join(', ')}, got ${JSON.stringify(raw)}`);
  return name as EcCurve;
}

function parseDirectory(raw: string | undefined, publicUrl: string): Record<string, string> {
  let entries: Record<string, unknown> = {};
  if (raw !== undefined && raw !== '') {
    try {
      entries = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new ConfigError('SERVICE_DIRECTORY must be a JSON object {"name": "https://…"}');
    }
    if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) throw new ConfigError('SERVICE_DIRECTORY must be a JSON object {"name": "https://…"}');
  }
  const directory: Record<string, string> = {};
  for (const [name, url] of Object.entries(entries)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ConfigError(`SERVICE_DIRECTORY: invalid name ${JSON.stringify(name.slice(0, 64))}`);
    if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url)) throw new ConfigError(`SERVICE_DIRECTORY: ${name} must be an http(s) URL`);
    directory[name] = url;
  }
  directory.oauth2 = `${publicUrl}/oauth2`;
  return directory;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  const port = intVar(env, 'PORT', 8080, 0, 65535);
  const dataDir = path.resolve(cwd, env.TESSERA_DATA_DIR || 'data');
  const publicUrl = parsePublicUrl(env.PUBLIC_URL || `http://localhost:${port}`);
  return {
    host: env.HOST || '127.0.0.1',
    port,
    publicUrl,
    secureCookies: publicUrl.startsWith('https:'),
    database: parseDatabaseUrl(env.DATABASE_URL, dataDir, cwd),
    databaseTuning: {
      poolSize: intVar(env, 'DATABASE_POOL_SIZE', 10, 1, 500),
      statementTimeoutMs: intVar(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600000),
      connectTimeoutMs: intVar(env, 'DATABASE_CONNECT_TIMEOUT_MS', 2000, 100, 60000),
    },
    redis: env.REDIS_URL ? { url: parseRedisUrl(env.REDIS_URL), prefix: env.REDIS_PREFIX || 'tessera:' } : undefined,
    changePollMs: intVar(env, 'CHANGE_POLL_INTERVAL_MS', 2000, 100, 60000),
    sweepIntervalMs: intVar(env, 'SWEEP_INTERVAL_SECONDS', 60, 1, 86400) * 1000,
    sweepBatch: intVar(env, 'SWEEP_BATCH', 1000, 10, 100000),
    shutdownGraceMs: intVar(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600000),
    keyRotationDays: intVar(env, 'KEY_ROTATION_DAYS', 90, 0, 3650),
    keyPublishDelaySeconds: intVar(env, 'KEY_PUBLISH_DELAY_SECONDS', 3600, 0, 30 * 86400),
    throttle: {
      windowSeconds: intVar(env, 'LOGIN_THROTTLE_WINDOW_SECONDS', 900, 10, 86400),
      perAccountAndClient: intVar(env, 'LOGIN_THROTTLE_PER_ACCOUNT_AND_CLIENT', 5, 1, 1000),
      perAccount: intVar(env, 'LOGIN_THROTTLE_PER_ACCOUNT', 20, 1, 100000),
      perClientAddress: intVar(env, 'LOGIN_THROTTLE_PER_ADDRESS', 100, 1, 1000000),
    },
    backchannelLogout: {
      attempts: intVar(env, 'BACKCHANNEL_LOGOUT_ATTEMPTS', 3, 1, 10),
      retryMs: intVar(env, 'BACKCHANNEL_LOGOUT_RETRY_MS', 2000, 10, 600000),
      timeoutMs: intVar(env, 'BACKCHANNEL_LOGOUT_TIMEOUT_MS', 5000, 100, 60000),
    },
    dataDir,
    bootstrapFile: env.TESSERA_BOOTSTRAP ? path.resolve(cwd, env.TESSERA_BOOTSTRAP) : undefined,
    masterKey: env.TESSERA_MASTER_KEY || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    lifetimes: {
      accessToken: intVar(env, 'ACCESS_TOKEN_TTL', 3600, 60, 86400),
      idToken: intVar(env, 'ID_TOKEN_TTL', 3600, 60, 86400),
      authorizationCode: intVar(env, 'AUTHORIZATION_CODE_TTL', 60, 10, 600),
      refreshToken: intVar(env, 'REFRESH_TOKEN_TTL', 30 * 86400, 300, 365 * 86400),
      session: intVar(env, 'SESSION_TTL', 14 * 86400, 300, 365 * 86400),
      interaction: intVar(env, 'INTERACTION_TTL', 900, 60, 3600),
    },
    passwordHashCost: intVar(env, 'PASSWORD_HASH_COST', 32768, 1024, 1048576),
    demo: boolVar(env, 'TESSERA_DEMO', true),
    trustProxy: boolVar(env, 'TRUST_PROXY', false),
    serviceApi: {
      curve: parseCurve(env.EC_CURVE_NAME),
      allowedTimeSpan: intVar(env, 'SERVICE_ALLOWED_TIME_SPAN', 60, 5, 3600),
      plainAuth: boolVar(env, 'SERVICE_PLAIN_AUTH', true),
      ecdsaHelper: boolVar(env, 'SERVICE_ECDSA_HELPER', true),
      directory: parseDirectory(env.SERVICE_DIRECTORY, publicUrl),
    },
    eam: {
      jwksRefetchCooldownMs: intVar(env, 'EAM_JWKS_REFETCH_COOLDOWN_MS', 30000, 0, 3600000),
    },
  };
}
