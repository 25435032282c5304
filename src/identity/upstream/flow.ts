/**
 * The upstream authorization-code flow (OIDC Core §3.1 as a relying party, RFC 7636 S256, RFC 9207):
 * - start: a pending redirect (state → upstream, interaction, nonce, PKCE verifier, browser binding) is stored in
 *   the short-lived store and the browser is sent to the upstream's authorization endpoint;
 * - callback: the pending redirect is taken once by its state and must belong to this browser (cookie); `iss` is
 *   checked when present (and required when the upstream advertises it); the code is exchanged with
 *   client_secret_basic and the PKCE verifier; the ID token is verified (signature by the upstream's JWKS, iss, aud,
 *   azp, nonce, exp, iat); UserInfo adds claims when the upstream has it.
 * Every failure is an UpstreamLoginError with a plain message.
 */
import { createHash } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Provider } from '../../runtime/provider.js';
import type { Community } from '../../runtime/community-registry.js';
import type { AuthorizationRequest } from '../../oauth/authorize/request.js';
import type { UpstreamPendingTable } from '../../store/schema.js';
import { randomToken, safeEqual, sha256 } from '../../keys/secrets.js';
import { findUpstream, upstreamSecret, type Upstream } from './config.js';
import { UPSTREAM_TIMEOUT_MS, upstreamMetadata, type ResolvedMetadata } from './metadata.js';
import { UpstreamLoginError } from './errors.js';

export const UPSTREAM_COOKIE = 'tessera_upstream';
/** A pending redirect lives at most this long (and never past its interaction). */
const PENDING_LIFETIME = 600;
/** Clock skew accepted on the upstream's exp/iat; an ID token older than this many seconds is refused. */
const CLOCK_TOLERANCE = 60;
const MAX_ID_TOKEN_AGE = 600;

export function upstreamCookiePath(community: Pick<Community, 'name'>): string {
  return `/oauth2/community/${community.name}/v1/upstream/`;
}

export function upstreamCallbackUrl(community: Community): string {
  return `${community.issuer}/v1/upstream/callback`;
}

export interface StartedUpstreamLogin {
  location: string;
  /** The cookie value binding the callback to this browser. */
  browserToken: string;
  cookieMaxAge: number;
}

/** Stores the pending redirect and builds the upstream authorization URL. */
export async function startUpstreamLogin(
  provider: Provider,
  community: Community,
  upstream: Upstream,
  interaction: { uid: string; expiresAt: number; request: AuthorizationRequest },
): Promise<StartedUpstreamLogin> {
  const { metadata } = await upstreamMetadata(provider, upstream.issuer);
  const now = provider.clock.now();
  const state = randomToken(32);
  const nonce = randomToken(32);
  const verifier = randomToken(32);
  const browserToken = randomToken(32);
  const redirectUri = upstreamCallbackUrl(community);
  const expiresAt = Math.min(interaction.expiresAt, now + PENDING_LIFETIME);
  const row: UpstreamPendingTable = {
    state_hash: sha256(state),
    community_id: community.id,
    upstream_name: upstream.name,
    interaction_uid: interaction.uid,
    browser_hash: sha256(browserToken),
    nonce,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    created_at: now,
    expires_at: expiresAt,
    consumed_at: null,
  };
  await provider.shortLived.insertUpstreamPending(row);
  const url = new URL(metadata.authorization_endpoint);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: upstream.clientId,
    redirect_uri: redirectUri,
    scope: upstream.scopes.join(' '),
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  // A user asked to sign in again (prompt=login) is asked again upstream too.
  if (interaction.request.prompt.includes('login')) params.prompt = 'login';
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { location: url.href, browserToken, cookieMaxAge: Math.max(1, expiresAt - now) };
}

export interface UpstreamIdentity {
  upstream: Upstream;
  pending: UpstreamPendingTable;
  sub: string;
  /** The ID token's claims, completed by UserInfo. */
  claims: Record<string, unknown>;
}

/** The callback's query, each parameter at most once. */
export type CallbackQuery = Record<string, string | string[] | undefined>;

function single(query: CallbackQuery, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new UpstreamLoginError('invalid_request', `The sign-in response repeats the parameter ${name}.`);
  if (value !== undefined && value.length > 4096) throw new UpstreamLoginError('invalid_request', `The sign-in response parameter ${name} is too long.`);
  return value;
}

/** Keeps upstream-supplied text printable and short before it is shown. */
function plain(text: unknown, max = 200): string {
  return String(text).replace(/[^\x20-\x7e]/g, ' ').slice(0, max);
}

async function postToken(provider: Provider, upstream: Upstream, resolved: ResolvedMetadata, pending: UpstreamPendingTable, code: string): Promise<{ idToken: string; accessToken: string }> {
  // RFC 6749 §2.3.1: client_secret_basic form-encodes id and secret before base64.
  const credentials = Buffer.from(`${encodeURIComponent(upstream.clientId)}:${encodeURIComponent(upstreamSecret(provider, upstream))}`).toString('base64');
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(resolved.metadata.token_endpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: pending.redirect_uri, code_verifier: pending.code_verifier }).toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
    body = await response.json().catch(() => undefined);
  } catch (err) {
    throw new UpstreamLoginError('upstream_unavailable', `${upstream.label} could not be reached to complete the sign-in (${plain((err as Error).message)}).`);
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (!response.ok) {
    const detail = typeof record.error === 'string' ? `: ${plain(record.error, 60)}` : ` (status ${response.status})`;
    throw new UpstreamLoginError('upstream_token_error', `${upstream.label} refused to complete the sign-in${detail}.`);
  }
  if (typeof record.id_token !== 'string' || typeof record.access_token !== 'string') {
    throw new UpstreamLoginError('upstream_token_error', `${upstream.label} answered without an ID token.`);
  }
  return { idToken: record.id_token, accessToken: record.access_token };
}

function idTokenProblem(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return err.claim === 'iat' ? 'it was issued too long ago (iat)' : 'it has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `its ${plain(err.claim, 30)} claim is not acceptable (${plain(err.reason, 40)})`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature is invalid';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "it is not signed by any of the upstream's keys";
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return "the upstream's keys could not be fetched";
  if (err instanceof joseErrors.JOSEError) return `it is not a valid signed token (${plain(err.code, 40)})`;
  return "the upstream's keys could not be fetched";
}

async function verifyIdToken(provider: Provider, upstream: Upstream, resolved: ResolvedMetadata, idToken: string, nonce: string): Promise<JWTPayload & { sub: string }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, resolved.keys, {
      issuer: upstream.issuer,
      audience: upstream.clientId,
      requiredClaims: ['sub', 'exp', 'iat'],
      currentDate: new Date(provider.clock.now() * 1000),
      clockTolerance: CLOCK_TOLERANCE,
      maxTokenAge: MAX_ID_TOKEN_AGE,
    }));
  } catch (err) {
    throw new UpstreamLoginError('invalid_id_token', `The ID token from ${upstream.label} was refused: ${idTokenProblem(err)}.`);
  }
  const refuse = (why: string) => new UpstreamLoginError('invalid_id_token', `The ID token from ${upstream.label} was refused: ${why}.`);
  if (typeof payload.nonce !== 'string' || !safeEqual(payload.nonce, nonce)) throw refuse('its nonce does not match the sign-in request');
  // OIDC Core §3.1.3.7 (4, 5): with several audiences, azp must be us.
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== upstream.clientId) throw refuse('it was issued to another party (azp)');
  if (payload.azp !== undefined && payload.azp !== upstream.clientId) throw refuse('it was issued to another party (azp)');
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) throw refuse('its sub claim is missing or too long');
  return payload as JWTPayload & { sub: string };
}

async function userinfoClaims(upstream: Upstream, resolved: ResolvedMetadata, accessToken: string, sub: string): Promise<Record<string, unknown>> {
  const endpoint = resolved.metadata.userinfo_endpoint;
  if (!endpoint) return {};
  let body: unknown;
  try {
    const response = await fetch(endpoint, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`status ${response.status}`);
    body = await response.json();
  } catch (err) {
    throw new UpstreamLoginError('upstream_unavailable', `The profile from ${upstream.label} could not be read (${plain((err as Error).message)}).`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UpstreamLoginError('upstream_userinfo_error', `The profile from ${upstream.label} is not a JSON object.`);
  const claims = body as Record<string, unknown>;
  // OIDC Core §5.3.2: the UserInfo sub must be the ID token's.
  if (claims.sub !== sub) throw new UpstreamLoginError('upstream_userinfo_error', `The profile from ${upstream.label} is about another user.`);
  return claims;
}

/** Checks the callback and returns who signed in upstream. The pending redirect is used up whatever the outcome. */
export async function completeUpstreamLogin(provider: Provider, community: Community, query: CallbackQuery, browserToken: string | undefined): Promise<UpstreamIdentity> {
  const state = single(query, 'state');
  if (!state) throw new UpstreamLoginError('invalid_request', 'The sign-in response has no state. Return to the application and start again.');
  if (!browserToken || browserToken.length > 100) {
    throw new UpstreamLoginError('invalid_request', 'This sign-in response does not belong to this browser (its cookie is missing). Return to the application and start again.');
  }
  const pending = await provider.shortLived.takeUpstreamPending(community.id, sha256(state), provider.clock.now());
  if (!pending) throw new UpstreamLoginError('invalid_request', 'This sign-in response is unknown, expired or was already used. Return to the application and start again.');
  if (!safeEqual(sha256(browserToken), pending.browser_hash)) {
    throw new UpstreamLoginError('invalid_request', 'This sign-in response was started in another browser. Return to the application and start again.');
  }
  const upstream = await findUpstream(provider, community, pending.upstream_name);
  if (!upstream) throw new UpstreamLoginError('invalid_request', 'This sign-in provider is no longer configured.');
  const resolved = await upstreamMetadata(provider, upstream.issuer);
  // RFC 9207 §2.4: a present iss must be the upstream's; an upstream that advertises it must send it.
  const iss = single(query, 'iss');
  if (iss !== undefined ? iss !== upstream.issuer : resolved.metadata.authorization_response_iss_parameter_supported === true) {
    throw new UpstreamLoginError('invalid_request', `The sign-in response does not come from ${upstream.label} (iss).`);
  }
  const error = single(query, 'error');
  if (error !== undefined) {
    const description = single(query, 'error_description');
    throw new UpstreamLoginError(plain(error, 60), `${upstream.label} did not sign you in: ${plain(error, 60)}${description ? ` (${plain(description)})` : ''}.`);
  }
  const code = single(query, 'code');
  if (!code) throw new UpstreamLoginError('invalid_request', `The sign-in response from ${upstream.label} has no code.`);
  const tokens = await postToken(provider, upstream, resolved, pending, code);
  const payload = await verifyIdToken(provider, upstream, resolved, tokens.idToken, pending.nonce);
  const fromUserinfo = await userinfoClaims(upstream, resolved, tokens.accessToken, payload.sub);
  return { upstream, pending, sub: payload.sub, claims: { ...payload, ...fromUserinfo } };
}
