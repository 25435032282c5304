/**
 * Authorization requests passed by value or by reference, resolved into the parameters the pipeline validates:
 * - a request object (`request`, RFC 9101): a JWT signed by the client — with its registered keys (`jwks`/`jwks_uri`)
 *   or, for HS*, its secret (client_secret_jwt clients) — never `alg: none`. Only the object's parameters count
 *   (RFC 9101 §5); `iss` (when present) must be the client, `aud` (when present) this issuer; `exp`/`nbf` are checked.
 * - a pushed request (`request_uri=urn:ietf:params:oauth:request_uri:…`, RFC 9126): taken once, for the client that
 *   pushed it, within its lifetime. Other request_uri values (fetching by URL) are not supported.
 * A client with `require_pushed_authorization_requests` must use the second.
 * Failures go back to the client when the request's own client_id and redirect_uri (outside the object) are a
 * registered pair, and are shown on Tessera's error page otherwise.
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { OAuthError } from '../errors.js';
import { Params } from '../params.js';
import { ASYMMETRIC_ALGS, HMAC_ALGS } from '../client-auth.js';
import { unseal } from '../../keys/sealing.js';
import type { Community, ResolvedClient } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import { RedirectableError, UntrustedRequestError } from './pipeline.js';
import { errorResponseMode, redirectUriMatches } from './checks.js';

export const PAR_URN_PREFIX = 'urn:ietf:params:oauth:request_uri:';
const MAX_REQUEST_OBJECT = 16_384;
/** Claims of the JWT itself, not authorization parameters. */
const JWT_CLAIMS = new Set(['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub']);

const invalidObject = (description: string) => new OAuthError('invalid_request_object', description);

/** Verifies a client's request object and returns its authorization parameters as strings. */
export async function requestObjectParams(provider: Provider, community: Community, client: ResolvedClient, jwt: string): Promise<Record<string, string>> {
  if (jwt.length > MAX_REQUEST_OBJECT) throw invalidObject('the request object is too large');
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(jwt).alg;
  } catch {
    throw invalidObject('the request object is not a JWS');
  }
  const registered = client.metadata.request_object_signing_alg;
  if (!alg || alg === 'none') throw invalidObject('unsigned request objects are not accepted');
  if (registered && alg !== registered) throw invalidObject(`this client signs request objects with ${registered}`);
  const clientId = client.metadata.client_id;
  let payload: JWTPayload;
  try {
    const options = { algorithms: [alg], currentDate: new Date(provider.clock.now() * 1000), clockTolerance: 30 };
    if (HMAC_ALGS.includes(alg)) {
      if (!client.secretSealed) throw invalidObject('this client has no secret to sign request objects with');
      ({ payload } = await jwtVerify(jwt, new TextEncoder().encode(unseal(provider.secrets.sealing, client.secretSealed)), options));
    } else {
      if (!ASYMMETRIC_ALGS.includes(alg)) throw invalidObject(`algorithm ${alg} is not supported`);
      if (!client.assertionKeys) throw invalidObject('this client has no keys registered');
      ({ payload } = await jwtVerify(jwt, client.assertionKeys, options));
    }
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    throw invalidObject(`the request object was rejected: ${err instanceof joseErrors.JOSEError ? err.message : 'verification failed'}`);
  }
  if (payload.iss !== undefined && payload.iss !== clientId) throw invalidObject('the request object iss is not the client');
  const audiences = payload.aud === undefined ? undefined : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (audiences && !audiences.includes(community.issuer)) throw invalidObject('the request object aud is not this issuer');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (JWT_CLAIMS.has(name)) continue;
    if (name === 'request' || name === 'request_uri') throw invalidObject(`a request object must not contain ${name}`);
    if (typeof value === 'string') out[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) out[name] = String(value);
    else if (name === 'claims' && typeof value === 'object' && value !== null) out[name] = JSON.stringify(value);
    else throw invalidObject(`request object parameter ${name} must be a string`);
  }
  if (out.client_id !== undefined && out.client_id !== clientId) throw invalidObject('the request object client_id does not match');
  out.client_id = clientId;
  return out;
}

function untrusted(err: OAuthError): UntrustedRequestError {
  return new UntrustedRequestError(err.error, err.description);
}

/** The parameters of an authorization request as the pipeline should see them. */
export async function resolveAuthorizationParams(provider: Provider, community: Community, outer: Params): Promise<Params> {
  try {
    return await resolve(provider, community, outer);
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    const target = await trustedRedirect(provider, community, outer);
    throw target ? new RedirectableError(err, target.redirectUri, target.state, errorResponseMode(outer)) : err instanceof UntrustedRequestError ? err : untrusted(err);
  }
}

/** The outer request's redirect_uri and state, when its client_id and redirect_uri are a registered pair. */
async function trustedRedirect(provider: Provider, community: Community, outer: Params): Promise<{ redirectUri: string; state: string | undefined } | undefined> {
  try {
    const clientId = outer.get('client_id');
    const redirectUri = outer.get('redirect_uri');
    const client = clientId === undefined ? undefined : await provider.registry.client(community, clientId);
    if (!client || redirectUri === undefined || !redirectUriMatches(client, redirectUri)) return undefined;
    const state = outer.get('state');
    return { redirectUri, state: state !== undefined && state.length <= 4096 ? state : undefined };
  } catch {
    return undefined;
  }
}

async function resolve(provider: Provider, community: Community, outer: Params): Promise<Params> {
  let requestUri: string | undefined;
  let request: string | undefined;
  let clientId: string | undefined;
  try {
    requestUri = outer.get('request_uri');
    request = outer.get('request');
    clientId = outer.get('client_id');
  } catch (err) {
    throw err instanceof OAuthError ? untrusted(err) : err;
  }
  if (requestUri !== undefined) {
    if (request !== undefined) throw new UntrustedRequestError('invalid_request', 'request and request_uri must not be used together');
    if (!requestUri.startsWith(PAR_URN_PREFIX)) throw new UntrustedRequestError('request_uri_not_supported', 'only request_uri values from the pushed authorization request endpoint are accepted');
    if (clientId === undefined) throw new UntrustedRequestError('invalid_request', 'client_id is required');
    const pushed = await provider.shortLived.takePushedRequest(community.id, requestUri, provider.clock.now());
    if (!pushed || pushed.client_id !== clientId) throw new UntrustedRequestError('invalid_request_uri', 'request_uri is unknown, expired, already used, or not for this client');
    return Params.from(JSON.parse(pushed.params));
  }
  const client = clientId === undefined ? undefined : await provider.registry.client(community, clientId);
  if (client?.metadata.require_pushed_authorization_requests) {
    throw new UntrustedRequestError('invalid_request', 'this client must push its authorization requests (RFC 9126)');
  }
  if (request === undefined) return outer;
  if (!client) throw new UntrustedRequestError('invalid_client', 'unknown client_id');
  return Params.from(await requestObjectParams(provider, community, client, request));
}
