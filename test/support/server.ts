/**
 * Starts a real listening Tessera on 127.0.0.1 (random port) over a fresh SQLite file, applies a provisioning
 * document, and gives tests the URLs, a manual clock and small HTTP helpers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createProvider } from '../../src/runtime/create-provider.js';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { buildApp } from '../../src/app.js';
import { ManualClock } from '../../src/runtime/clock.js';
import type { Provider } from '../../src/runtime/provider.js';

export const WEB_SECRET = 'web-secret-k9Qm2xV7pL4wZ8rT3nB6yH5c';
export const CC_SECRET = 'cc-secret-0123456789abcdefghijklmnopqrstuv';
export const ALICE_PASSWORD = 'correct horse battery staple';

/** The provisioning file of the core issue, plus the clients the tests need. */
export function fixture(redirectUri = 'http://127.0.0.1:7777/cb'): Record<string, unknown> {
  return {
    communities: [
      {
        name: 'acme',
        clients: [
          {
            client_id: 'web',
            client_secret: WEB_SECRET,
            redirect_uris: [redirectUri],
            post_logout_redirect_uris: ['http://127.0.0.1:7777/bye'],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
            scope: 'openid profile email offline_access',
          },
          {
            client_id: 'first-party',
            client_secret: WEB_SECRET,
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code', 'refresh_token'],
            token_endpoint_auth_method: 'client_secret_post',
            scope: 'openid profile email offline_access',
            skip_consent: true,
            access_token_format: 'opaque',
          },
          {
            client_id: 'spa',
            redirect_uris: [redirectUri],
            grant_types: ['authorization_code', 'refresh_token'],
            token_endpoint_auth_method: 'none',
            scope: 'openid profile offline_access',
            skip_consent: true,
          },
          {
            client_id: 'service',
            client_secret: CC_SECRET,
            grant_types: ['client_credentials'],
            response_types: [],
            scope: 'api:read api:write',
          },
          {
            client_id: 'service-opaque',
            client_secret: CC_SECRET,
            grant_types: ['client_credentials'],
            response_types: [],
            scope: 'api:read',
            access_token_format: 'opaque',
          },
          {
            client_id: 'legacy',
            client_secret: CC_SECRET,
            grant_types: ['password', 'refresh_token'],
            response_types: [],
            token_endpoint_auth_method: 'client_secret_post',
            scope: 'openid profile email offline_access api:read',
          },
        ],
        users: [
          { username: 'alice', password: ALICE_PASSWORD, claims: { email: 'alice@example.com', email_verified: true, name: 'Alice Example' } },
          { username: 'bob', password: 'bob-password-1234', claims: { name: 'Bob' } },
        ],
      },
    ],
  };
}

export interface TestServer {
  base: string;
  issuer: string;
  provider: Provider;
  clock: ManualClock;
  dir: string;
  databaseUrl: string;
  close(): Promise<void>;
}

/** A free loopback port (the probe socket is closed before Tessera binds it). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * TESSERA_TEST_DATABASE=postgres runs every test server on its own fresh PostgreSQL database (created on the server
 * named by TESSERA_TEST_PG_URL, default postgres://root@127.0.0.1:5432/test, and dropped afterwards).
 */
const PG_ADMIN_URL = process.env.TESSERA_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432/test';

async function testDatabase(dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.TESSERA_TEST_DATABASE !== 'postgres') return { url: `sqlite://${path.join(dir, 'test.db')}`, drop: async () => undefined };
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const client = new pg.Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface TestServerOptions {
  /** The provisioning document, or a function of the server's base URL (its port is only known at start). */
  provisioning?: Record<string, unknown> | ((base: string) => Record<string, unknown>);
  env?: Record<string, string>;
  /** Another test server whose database this one shares (a second node); it is not dropped by this one's close. */
  shareDatabaseOf?: TestServer;
  /** The host name in the public URL (the issuer), e.g. `localhost` where a domain is needed (WebAuthn rpID); the server still listens on 127.0.0.1. */
  publicHost?: string;
}

export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-test-'));
  const port = await freePort();
  const base = `http://${options.publicHost ?? '127.0.0.1'}:${port}`;
  const database = options.shareDatabaseOf ? { url: options.shareDatabaseOf.databaseUrl, drop: async () => undefined } : await testDatabase(dir);
  const config = loadConfig({
    TESSERA_DATA_DIR: dir,
    DATABASE_URL: database.url,
    TESSERA_MASTER_KEY: 'ab'.repeat(32),
    PASSWORD_HASH_COST: '1024',
    LOG_LEVEL: 'silent',
    PORT: String(port),
    PUBLIC_URL: base,
    // TESSERA_TEST_REDIS=redis://…: short-lived state in Redis, under a prefix of this server's own.
    ...(process.env.TESSERA_TEST_REDIS
      ? { REDIS_URL: process.env.TESSERA_TEST_REDIS, REDIS_PREFIX: options.shareDatabaseOf?.provider.config.redis?.prefix ?? `tessera-test-${randomBytes(6).toString('hex')}:` }
      : {}),
    ...options.env,
  });
  const clock = new ManualClock();
  const provider = await createProvider(config, pino({ level: 'silent' }), clock);
  const provisioning = typeof options.provisioning === 'function' ? options.provisioning(base) : options.provisioning;
  await applyProvisioning(provider, provisioning ?? fixture());
  const app = await buildApp(provider);
  await app.listen({ host: '127.0.0.1', port });
  return {
    base,
    issuer: `${base}/oauth2/community/acme`,
    provider,
    clock,
    dir,
    databaseUrl: database.url,
    async close() {
      await app.close();
      await provider.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function basic(id: string, secret: string): string {
  return 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
}

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString(), redirect: 'manual' });
}
