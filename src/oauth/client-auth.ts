/**
 * Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3, OIDC Core §9,
 * RFC 7523): client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt, and none for public
 * clients. The method used must be the one the client registered. Secrets are compared as keyed hashes in constant
 * time; assertion `jti`s are recorded so an assertion is accepted once.
 */
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { OAuthError, invalidRequest } from './errors.js';
import type { ClientAuthMethod } from './client.js';
import type { Community, ResolvedClient } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { hmacSha256, safeEqual } from '../keys/secrets.js';
import { unseal } from '../keys/sealing.js';
import type { Params } from './params.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'];
export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Longest lifetime accepted for a client assertion (its jti is remembered that long). */
const MAX_ASSERTION_LIFETIME = 600;

export interface ClientAuthInput {
  authorization: string | undefined;
  params: Params;
  /** Audiences an assertion may name: the issuer, the token endpoint and the endpoint called. */
  audiences: string[];
}

function invalidClient(description: string): OAuthError {
  return new OAuthError('invalid_client', description);
}

/** RFC 6749 §2.3.1: both parts are form-urlencoded before base64. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function parseBasic(header: string): { id: string; secret: string } {
  const match = /^Basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(header);
  if (!match) throw invalidClient('malformed Basic authorization header');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('malformed Basic credentials');
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidClient('malformed Basic credentials');
  }
}

interface Presented {
  method: ClientAuthMethod;
  clientId: string;
  secret?: string;
  assertion?: string;
}

function presented(input: ClientAuthInput): Presented {
  const { params, authorization } = input;
  const assertionType = params.get('client_assertion_type');
  const assertion = params.get('client_assertion');
  const bodySecret = params.get('client_secret');
  const bodyId = params.get('client_id');
  const usingBasic = authorization !== undefined && /^basic /i.test(authorization);
  const schemes = [usingBasic, bodySecret !== undefined, assertion !== undefined || assertionType !== undefined].filter(Boolean).length;
  if (schemes > 1) throw invalidRequest('use exactly one client authentication method');

  if (usingBasic) {
    const { id, secret } = parseBasic(authorization!);
    if (bodyId !== undefined && bodyId !== id) throw invalidClient('client_id does not match the authenticated client');
    return { method: 'client_secret_basic', clientId: id, secret };
  }
  if (assertion !== undefined || assertionType !== undefined) {
    if (assertionType !== JWT_BEARER_ASSERTION) throw invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    if (!assertion) throw invalidRequest('client_assertion is missing');
    let claims: JWTPayload;
    try {
      claims = decodeJwt(assertion);
    } catch {
      throw invalidClient('client_assertion is not a JWT');
    }
    const id = typeof claims.sub === 'string' ? claims.sub : typeof claims.iss === 'string' ? claims.iss : undefined;
    if (!id) throw invalidClient('client_assertion has no sub');
    if (bodyId !== undefined && bodyId !== id) throw invalidClient('client_id does not match the client assertion');
    // The method (secret or key) is decided by the client's registration below.
    return { method: 'private_key_jwt', clientId: id, assertion };
  }
  if (bodyId === undefined) throw invalidClient('client authentication is required');
  if (bodySecret !== undefined) return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret };
  return { method: 'none', clientId: bodyId };
}

async function verifyAssertion(provider: Provider, community: Community, client: ResolvedClient, assertion: string, audiences: string[]): Promise<void> {
  const method = client.metadata.token_endpoint_auth_method;
  const registeredAlg = client.metadata.token_endpoint_auth_signing_alg;
  const algorithms = registeredAlg ? [registeredAlg] : method === 'client_secret_jwt' ? HMAC_ALGS : ASYMMETRIC_ALGS;
  const clientId = client.metadata.client_id;
  const now = provider.clock.now();
  let payload: JWTPayload;
  try {
    // Timed by the provider's clock, like every other expiry check.
    const options = { issuer: clientId, subject: clientId, audience: audiences, algorithms, requiredClaims: ['exp', 'jti'], clockTolerance: 30, currentDate: new Date(now * 1000) };
    if (method === 'client_secret_jwt') {
      if (!client.secretSealed) throw invalidClient('client has no secret for client_secret_jwt');
      const secret = new TextEncoder().encode(unseal(provider.secrets.sealing, client.secretSealed));
      ({ payload } = await jwtVerify(assertion, secret, options));
    } else {
      if (!client.assertionKeys) throw invalidClient('client has no keys registered');
      ({ payload } = await jwtVerify(assertion, client.assertionKeys, options));
    }
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    const reason = err instanceof joseErrors.JOSEError ? err.message : 'verification failed';
    throw invalidClient(`client_assertion rejected: ${reason}`);
  }
  const exp = payload.exp!;
  if (exp - now > MAX_ASSERTION_LIFETIME) throw invalidClient('client_assertion expires too far in the future');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) throw invalidClient('client_assertion jti is invalid');
  const fresh = await provider.shortLived.recordAssertionJti(community.id, clientId, payload.jti, exp + 60);
  if (!fresh) throw invalidClient('client_assertion jti was already used');
}

/**
 * Authenticates the calling client or throws invalid_client. RFC 6749 §5.2: 401 (with a Basic challenge, added by the
 * HTTP layer) when the client tried the Authorization header or sent no credentials at all; 400 when credentials in
 * the body (client_secret_post, an assertion, a public client's client_id) were refused.
 */
export async function authenticateClient(provider: Provider, community: Community, input: ClientAuthInput): Promise<ResolvedClient> {
  try {
    return await authenticate(provider, community, input);
  } catch (err) {
    if (!(err instanceof OAuthError) || err.error !== 'invalid_client') throw err;
    const { params, authorization } = input;
    const bodyCredentials = params.has('client_id') || params.has('client_assertion') || params.has('client_secret');
    const challenge = authorization !== undefined || !bodyCredentials;
    throw new OAuthError('invalid_client', err.description, challenge ? 401 : 400);
  }
}

async function authenticate(provider: Provider, community: Community, input: ClientAuthInput): Promise<ResolvedClient> {
  const p = presented(input);
  const client = await provider.registry.client(community, p.clientId);
  if (!client) throw invalidClient('unknown client or bad credentials');
  const registered = client.metadata.token_endpoint_auth_method;
  const jwtMethod = p.method === 'private_key_jwt';
  const methodOk = jwtMethod ? registered === 'private_key_jwt' || registered === 'client_secret_jwt' : registered === p.method;
  if (!methodOk) throw invalidClient(`client must authenticate with ${registered}`);

  if (p.secret !== undefined) {
    if (client.verifiedSecret === undefined || !safeEqual(p.secret, client.verifiedSecret)) {
      if (!client.secretHash || !safeEqual(hmacSha256(provider.secrets.secretHashing, p.secret), client.secretHash)) {
        throw invalidClient('unknown client or bad credentials');
      }
      client.verifiedSecret = p.secret;
    }
  } else if (p.assertion !== undefined) {
    await verifyAssertion(provider, community, client, p.assertion, input.audiences);
  }
  return client;
}
