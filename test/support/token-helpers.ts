/**
 * Helpers for token-side HTTP tests: endpoint URLs, response shape checks (RFC 6749 §5.1/§5.2 headers and error
 * syntax), codes through the real login/consent forms, and introspection.
 */
import assert from 'node:assert/strict';
import { TestBrowser } from './browser.js';
import { authorizeThroughForms, authorizeUrl, pkcePair } from './flows.js';
import { ALICE_PASSWORD, CC_SECRET, basic, fixture, postForm, type TestServer } from './server.js';

export const REDIRECT = 'http://127.0.0.1:7777/cb';
export const ALICE = { username: 'alice', password: ALICE_PASSWORD };
/** The fixture's confidential client_credentials client, used as the resource server calling introspection. */
export const SERVICE_AUTH = basic('service', CC_SECRET);

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

export interface ErrorBody {
  error: string;
  error_description: string;
}

export const endpoints = (server: TestServer) => ({
  token: `${server.issuer}/v1/token`,
  introspect: `${server.issuer}/v1/introspect`,
  revoke: `${server.issuer}/v1/revoke`,
  userinfo: `${server.issuer}/v1/userinfo`,
  jwks: `${server.issuer}/v1/jwks`,
  discovery: `${server.issuer}/.well-known/openid-configuration`,
});

/** The fixture plus extra clients in the `acme` community. */
export function fixtureWith(extraClients: Record<string, unknown>[]): Record<string, unknown> {
  const doc = fixture();
  const communities = doc.communities as { clients: Record<string, unknown>[] }[];
  communities[0]!.clients.push(...extraClients);
  return doc;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6749 §5.2 / §5.1: status, JSON, no-store + no-cache, `error` and `error_description` with allowed characters. */
export async function expectOAuthError(res: Response, status: number, error: string): Promise<ErrorBody> {
  const text = await res.text();
  assert.equal(res.status, status, `HTTP status (body: ${text})`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('pragma'), 'no-cache');
  const body: unknown = JSON.parse(text);
  assert.ok(isRecord(body), 'error body is a JSON object');
  assert.equal(body.error, error, `error code (body: ${text})`);
  assert.equal(typeof body.error_description, 'string', 'error_description present');
  const description = body.error_description as string;
  assert.match(error, /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/);
  assert.match(description, /^[\x09\x0a\x0d\x20\x21\x23-\x5b\x5d-\x7e]*$/, 'error_description uses only RFC 6749 characters');
  assert.ok(!description.includes('"') && !description.includes('\\'));
  return { error, error_description: description };
}

/** A successful token response (RFC 6749 §5.1). */
export async function expectTokens(res: Response): Promise<TokenBody> {
  const text = await res.text();
  assert.equal(res.status, 200, `HTTP status (body: ${text})`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('pragma'), 'no-cache');
  const body: unknown = JSON.parse(text);
  assert.ok(isRecord(body));
  assert.equal(typeof body.access_token, 'string');
  assert.ok((body.access_token as string).length > 0);
  assert.equal(body.token_type, 'Bearer');
  assert.equal(typeof body.expires_in, 'number');
  assert.ok((body.expires_in as number) > 0);
  return body as unknown as TokenBody;
}

export async function jsonObject(res: Response): Promise<Record<string, unknown>> {
  const body: unknown = await res.json();
  assert.ok(isRecord(body), 'a JSON object');
  return body;
}

export function postToken(server: TestServer, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return postForm(endpoints(server).token, form, headers);
}

/** RFC 7662 introspection, by default as the `service` client. */
export async function introspect(server: TestServer, token: string, authorization = SERVICE_AUTH, extra: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await postForm(endpoints(server).introspect, { token, ...extra }, { authorization });
  assert.equal(res.status, 200);
  return jsonObject(res);
}

export interface IssuedCode {
  code: string;
  verifier?: string;
  challenge?: string;
}

/** An authorization code for alice through the real forms (login and consent as needed). */
export async function obtainCode(
  server: TestServer,
  browser: TestBrowser,
  options: { clientId: string; scope: string; pkce?: boolean; nonce?: string },
): Promise<IssuedCode> {
  const params: Record<string, string> = { client_id: options.clientId, response_type: 'code', scope: options.scope, redirect_uri: REDIRECT, state: 'st' };
  if (options.nonce) params.nonce = options.nonce;
  const pair = options.pkce === false ? undefined : pkcePair();
  if (pair) {
    params.code_challenge = pair.challenge;
    params.code_challenge_method = 'S256';
  }
  const location = await authorizeThroughForms(browser, authorizeUrl(server.issuer, params), ALICE);
  const code = location.searchParams.get('code');
  assert.ok(code, `authorization response has a code: ${location.href}`);
  return pair ? { code, ...pair } : { code };
}

/** The token request redeeming an issued code (redirect_uri and verifier filled in). */
export function codeForm(issued: IssuedCode, extra: Record<string, string> = {}): Record<string, string> {
  const form: Record<string, string> = { grant_type: 'authorization_code', code: issued.code, redirect_uri: REDIRECT };
  if (issued.verifier !== undefined) form.code_verifier = issued.verifier;
  return { ...form, ...extra };
}
