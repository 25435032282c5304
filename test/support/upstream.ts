/**
 * Fixtures for upstream identity provider tests: a provisioning document where community `partner` of the same
 * server is the upstream OpenID provider of community `acme`, and a small fake upstream on 127.0.0.1 with its own
 * jose key whose token endpoint answers whatever the test says (for the negative ID token cases).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { fixture, WEB_SECRET } from './server.js';

export const BROKER_SECRET = 'broker-secret-7fQ2mZ9xL4vW8rT3nB6yH5cK';
export const FAKE_CLIENT_ID = 'tessera-at-fake';
export const FAKE_SECRET = 'fake secret with spaces & symbols:%';
export const CAROL = { username: 'carol', password: 'carol-password-1234' };
/** Upstream account whose verified email is local alice's. */
export const ALICE_UPSTREAM = { username: 'alice-up', password: 'alice-up-password-1234' };
/** Upstream account claiming alice's email without having verified it. */
export const MALLORY = { username: 'mallory', password: 'mallory-password-1234' };
/** Upstream account whose preferred_username is local bob's username. */
export const BOBBY = { username: 'bobby', password: 'bobby-password-1234' };

export function upstreamCallback(base: string, community = 'acme'): string {
  return `${base}/oauth2/community/${community}/v1/upstream/callback`;
}

/** acme (the fixture) with upstreams on community `partner` of the same server, plus `fake` when given. */
export function brokeringFixture(base: string, options: { fakeIssuer?: string; redirectUri?: string; extraClients?: Record<string, unknown>[] } = {}): Record<string, unknown> {
  const doc = fixture(options.redirectUri) as { communities: Record<string, unknown>[] };
  const acme = doc.communities[0]! as { clients: Record<string, unknown>[]; upstreams?: unknown[] };
  acme.clients.push(...(options.extraClients ?? []));
  const partnerIssuer = `${base}/oauth2/community/partner`;
  const via = (name: string, link_by: string, extra: Record<string, unknown> = {}) => ({ name, issuer: partnerIssuer, client_id: 'broker', client_secret: BROKER_SECRET, link_by, ...extra });
  acme.upstreams = [
    via('partner', 'email', { display_name: 'Partner Co' }),
    via('partner-users', 'username'),
    via('partner-none', 'none', { scopes: ['openid', 'profile', 'email'], claims: { username: 'preferred_username', email: 'email', name: 'name' } }),
  ];
  if (options.fakeIssuer) {
    acme.upstreams.push({ name: 'fake', issuer: options.fakeIssuer, client_id: FAKE_CLIENT_ID, client_secret: FAKE_SECRET, link_by: 'none' });
  }
  doc.communities.push({
    name: 'partner',
    clients: [
      {
        client_id: 'broker',
        client_name: 'Acme (broker)',
        client_secret: BROKER_SECRET,
        redirect_uris: [upstreamCallback(base)],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'openid profile email',
        skip_consent: true,
      },
      { client_id: 'other', client_secret: WEB_SECRET, redirect_uris: ['http://127.0.0.1:7777/cb'], scope: 'openid profile email', skip_consent: true },
    ],
    users: [
      { username: CAROL.username, password: CAROL.password, claims: { email: 'carol@partner.example', email_verified: true, name: 'Carol Partner', preferred_username: 'carol' } },
      { username: ALICE_UPSTREAM.username, password: ALICE_UPSTREAM.password, claims: { email: 'alice@example.com', email_verified: true, name: 'Alice (partner)' } },
      { username: MALLORY.username, password: MALLORY.password, claims: { email: 'alice@example.com', email_verified: false, name: 'Not Alice' } },
      { username: BOBBY.username, password: BOBBY.password, claims: { preferred_username: 'bob', name: 'Bob at Partner' } },
    ],
  });
  return doc;
}

export interface TokenRequest {
  authorization: string | undefined;
  form: URLSearchParams;
}

export interface FakeUpstream {
  issuer: string;
  key: CryptoKey;
  /** A key the upstream does not publish. */
  otherKey: CryptoKey;
  discoveryFetches: number;
  tokenRequests: TokenRequest[];
  /** What the token endpoint answers next. */
  tokenResponse: (request: TokenRequest) => Promise<{ status: number; body: unknown }>;
  userinfo: Record<string, unknown>;
  /** An ID token signed with `key` (or `signWith`), defaults: iss, aud, sub, iat/exp around `now`. */
  idToken(claims: JWTPayload & { now: number }, signWith?: CryptoKey, kid?: string): Promise<string>;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const other = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'fake-1', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const fake: FakeUpstream = {
    issuer: '',
    key: privateKey,
    otherKey: other.privateKey,
    discoveryFetches: 0,
    tokenRequests: [],
    tokenResponse: async () => ({ status: 500, body: { error: 'server_error' } }),
    userinfo: {},
    async idToken(claims, signWith = privateKey, kid = 'fake-1') {
      const { now, ...rest } = claims;
      const payload: JWTPayload = { iss: issuer, aud: FAKE_CLIENT_ID, sub: 'fake-user-1', iat: now, exp: now + 300, ...rest };
      return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid }).sign(signWith);
    },
    close: async () => undefined,
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', issuer);
      const json = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(JSON.stringify(value));
      };
      if (url.pathname === '/.well-known/openid-configuration') {
        fake.discoveryFetches++;
        return json(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          userinfo_endpoint: `${issuer}/userinfo`,
          authorization_response_iss_parameter_supported: true,
        });
      }
      if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
      if (url.pathname === '/token' && request.method === 'POST') {
        const tokenRequest = { authorization: request.headers.authorization, form: new URLSearchParams(await body(request)) };
        fake.tokenRequests.push(tokenRequest);
        const answer = await fake.tokenResponse(tokenRequest);
        return json(answer.status, answer.body);
      }
      if (url.pathname === '/userinfo') return json(200, fake.userinfo);
      return json(404, { error: 'not_found' });
    })().catch(() => {
      response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.issuer = issuer;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return fake;
}
