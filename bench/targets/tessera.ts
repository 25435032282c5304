/** Tessera built from this checkout (dist/), on a fresh SQLite file (or BENCH_DATABASE_URL), production settings. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { REDIRECT_URI, SECRETS, USER, discover, startPinned, stopChild, type RunningTarget } from './target.js';

export async function startTessera(root: string, port: number): Promise<RunningTarget> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-'));
  const provisioning = {
    communities: [
      {
        name: 'bench',
        clients: [
          { client_id: SECRETS.ccJwt.id, client_secret: SECRETS.ccJwt.secret, grant_types: ['client_credentials'], response_types: [], scope: 'api:read api:write', access_token_format: 'jwt' },
          { client_id: SECRETS.ccOpaque.id, client_secret: SECRETS.ccOpaque.secret, grant_types: ['client_credentials'], response_types: [], scope: 'api:read api:write', access_token_format: 'opaque' },
          {
            client_id: SECRETS.web.id,
            client_secret: SECRETS.web.secret,
            redirect_uris: [REDIRECT_URI],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            scope: 'openid profile email offline_access',
            skip_consent: true,
            id_token_signed_response_alg: 'ES256',
          },
        ],
        users: [{ username: USER.username, password: USER.password, claims: { email: 'alice@example.com', email_verified: true, name: 'Alice Example' } }],
      },
    ],
  };
  writeFileSync(path.join(dir, 'provisioning.json'), JSON.stringify(provisioning));
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: base,
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite://${path.join(dir, 'bench.db')}`,
    TESSERA_DATA_DIR: dir,
    TESSERA_BOOTSTRAP: path.join(dir, 'provisioning.json'),
    TESSERA_MASTER_KEY: randomBytes(32).toString('hex'),
    TESSERA_DEMO: 'false',
    LOG_LEVEL: 'warn',
  };
  // BENCH_PROFILE=DIR writes a V8 CPU profile of Tessera there when it stops (node --cpu-prof).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = await startPinned(['node', ...profile, 'dist/src/main.js'], env, `${base}/oauth2/healthz`, root);
  const issuer = `${base}/oauth2/community/bench`;
  return {
    name: 'tessera',
    pid: child.pid!,
    endpoints: await discover(`${issuer}/.well-known/openid-configuration`),
    clients: SECRETS,
    redirectUri: REDIRECT_URI,
    user: USER,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
