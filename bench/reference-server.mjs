// The benchmark's reference: a small server on the npm package `oidc-provider` (a devDependency of the benchmark
// only), configured to do the same work as Tessera's bench community: the same clients and secrets, ES256 keys,
// JWT access tokens for cc-jwt and opaque ones for cc-opaque, introspection, userinfo, the code flow with PKCE and
// an SSO session, refresh-token rotation, and a password login hashed with scrypt at Tessera's production cost.
// Plain JavaScript: oidc-provider ships no TypeScript types. Env: PORT, ISSUER (default http://127.0.0.1:PORT/oidc).
import http from 'node:http';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

const port = Number(process.env.PORT ?? 9303);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}/oidc`;
const scryptAsync = promisify(scrypt);
const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'ref-es256', alg: 'ES256', use: 'sig' };

const salt = randomBytes(16);
const passwordHash = await scryptAsync('correct horse battery staple', salt, 32, SCRYPT);
const accounts = new Map([['alice', { sub: 'alice-id', claims: { email: 'alice@example.com', email_verified: true, name: 'Alice Example' } }]]);

const RESOURCES = {
  'urn:bench:jwt': { scope: 'api:read api:write', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } },
  'urn:bench:opaque': { scope: 'api:read api:write', accessTokenFormat: 'opaque' },
};

const provider = new Provider(issuer, {
  clients: [
    { client_id: 'cc-jwt', client_secret: 'cc-jwt-secret-0123456789abcdefghijklmnop', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api:read api:write', id_token_signed_response_alg: 'ES256' },
    { client_id: 'cc-opaque', client_secret: 'cc-opaque-secret-0123456789abcdefghijklm', grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api:read api:write', id_token_signed_response_alg: 'ES256' },
    {
      client_id: 'web',
      client_secret: 'web-secret-k9Qm2xV7pL4wZ8rT3nB6yH5c',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:7777/cb'],
      scope: 'openid profile email offline_access',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [jwk] },
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'profile', 'email', 'offline_access', 'api:read', 'api:write'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Client-credentials clients get their resource without sending `resource`; the web client's tokens stay
      // UserInfo tokens (opaque), like Tessera's default user tokens are usable at userinfo.
      defaultResource: (ctx, client) => (client.clientId === 'cc-jwt' ? 'urn:bench:jwt' : client.clientId === 'cc-opaque' ? 'urn:bench:opaque' : undefined),
      getResourceServerInfo: (ctx, resource) => {
        const info = RESOURCES[resource];
        if (!info) throw new Provider.errors.InvalidTarget();
        return info;
      },
      useGrantedResource: () => true,
    },
  },
  // Refresh tokens for the web client without prompt=consent (oidc-provider drops offline_access otherwise).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  // First-party client: consent is never shown (the documented recipe: a grant created on first use).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email offline_access');
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, sub) => {
    const account = [...accounts.values()].find((a) => a.sub === sub);
    return account && { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AccessToken: 3600, ClientCredentials: 3600, IdToken: 3600, RefreshToken: 30 * 86400, Session: 14 * 86400, Interaction: 900, Grant: 30 * 86400 },
});
provider.proxy = false;

const loginForm = `<!doctype html><title>Sign in</title><form method="post"><input name="username"><input name="password" type="password"><button>Sign in</button></form>`;

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm);
    return;
  }
  const form = await readForm(req);
  const account = accounts.get(form.get('username') ?? '');
  const presented = await scryptAsync(form.get('password') ?? '', salt, 32, SCRYPT);
  if (!account || !timingSafeEqual(presented, passwordHash)) {
    res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm);
    return;
  }
  const result = details.prompt.name === 'login' ? { login: { accountId: account.sub } } : {};
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return void res.writeHead(200).end('ok');
  if (req.url?.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.writeHead(500).end(String(err?.message ?? err));
    });
    return;
  }
  if (req.url?.startsWith('/oidc')) {
    // Mounted under /oidc: oidc-provider derives its endpoint URLs from originalUrl vs url.
    req.originalUrl = req.url;
    req.url = req.url.slice('/oidc'.length) || '/';
    return void callback(req, res);
  }
  res.writeHead(404).end();
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`reference listening ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
