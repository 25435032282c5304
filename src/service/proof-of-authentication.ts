/**
 * POST {issuer}/v1/authorize with `proof_of_authentication_jwt` (the client libraries' server-side sign-in): the user
 * was authenticated by an authenticator the community trusts, which vouches for it with a JWS:
 * `iss` = a trusted authenticator (provisioning `authenticators`: issuer + jwks or jwks_uri), `aud` = the community
 * issuer, `sub` = the user (id or username), `exp` at most 5 minutes ahead, `iat`, and a `jti` accepted once
 * (the short-lived store's replay cache). `azp`/`client_id`, when present, must name the requesting client.
 * The request is validated by the ordinary pipeline and the code issued by the ordinary code issuing.
 */
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { OAuthError } from '../oauth/errors.js';
import { ASYMMETRIC_ALGS } from '../oauth/client-auth.js';
import type { Params } from '../oauth/params.js';
import type { Community, ResolvedClient } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { RedirectableError, validateAuthorizationRequest } from '../oauth/authorize/pipeline.js';
import { issueAuthorizationResponse } from '../oauth/authorize/issue-response.js';
import type { AuthorizationResponse } from '../oauth/authorize/response.js';
import type { LoginState } from '../identity/sessions.js';
import { findUserById, findUserByUsername } from '../store/users.js';
import { randomToken } from '../keys/secrets.js';
import { serviceSettingsOf } from './community-settings.js';

export const PROOF_PARAM = 'proof_of_authentication_jwt';
const MAX_PROOF = 8192;
const MAX_LIFETIME = 300;
const LEEWAY = 30;

const refuse = (description: string) => new OAuthError('access_denied', `proof_of_authentication_jwt ${description}`);

async function verifyProof(provider: Provider, community: Community, client: ResolvedClient, token: string): Promise<LoginState> {
  if (token.length > MAX_PROOF) throw refuse('is too long');
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(token);
  } catch {
    throw refuse('is not a JWT');
  }
  const { authenticators } = await serviceSettingsOf(provider, community);
  const issuer = typeof unverified.iss === 'string' ? unverified.iss : '';
  const keys = authenticators.get(issuer);
  if (!keys) throw refuse('is not from an authenticator this community trusts');
  const now = provider.clock.now();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, {
      issuer,
      audience: community.issuer,
      algorithms: ASYMMETRIC_ALGS,
      currentDate: new Date(now * 1000),
      clockTolerance: LEEWAY,
      maxTokenAge: MAX_LIFETIME + LEEWAY,
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw refuse('has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed) throw refuse(`is not valid: ${err.claim} ${err.reason}`);
    if (err instanceof joseErrors.JOSEError) throw refuse('signature or format is not valid');
    throw err;
  }
  const { sub, exp, iat, jti } = payload as Required<Pick<JWTPayload, 'sub' | 'exp' | 'iat' | 'jti'>>;
  if (exp > now + MAX_LIFETIME + LEEWAY) throw refuse('must expire within 5 minutes');
  if (iat > now + LEEWAY) throw refuse('is issued in the future');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw refuse('needs a jti of at most 256 characters');
  const azp = payload.azp ?? payload.client_id;
  if (azp !== undefined && azp !== client.metadata.client_id) throw refuse('was issued for another client');
  if (sub.length > 200) throw refuse('names an unknown user');
  const user = (await findUserById(provider.db, community.id, sub)) ?? (await findUserByUsername(provider.db, community.id, sub));
  if (!user) throw refuse('names an unknown user');
  if (!(await provider.shortLived.recordAssertionJti(community.id, `poa:${issuer}`, jti, exp + LEEWAY))) throw refuse('was already used');
  const amr = Array.isArray(payload.amr) && payload.amr.every((v) => typeof v === 'string') && payload.amr.length <= 10 ? (payload.amr as string[]) : ['poa'];
  const authTime = typeof payload.auth_time === 'number' && payload.auth_time <= now + LEEWAY ? Math.min(payload.auth_time, now) : Math.min(iat, now);
  provider.log.info({ community: community.name, client: client.metadata.client_id, authenticator: issuer }, 'sign-in by proof of authentication');
  return { userId: user.id, authTime, amr, acr: typeof payload.acr === 'string' ? payload.acr.slice(0, 200) : null, sid: randomToken(16) };
}

/**
 * The authorization response for a request carrying a proof: the code (with state and iss) or an error for the
 * client's redirect_uri. Throws UntrustedRequestError (client or redirect_uri not trusted) and RedirectableError.
 */
export async function authorizeWithProof(provider: Provider, community: Community, params: Params): Promise<AuthorizationResponse> {
  const { client, request } = await validateAuthorizationRequest(provider, community, params);
  try {
    if (request.response_type !== 'code') throw new OAuthError('unsupported_response_type', 'a proof of authentication is answered with response_type=code only');
    const login = await verifyProof(provider, community, client, params.require(PROOF_PARAM));
    return await issueAuthorizationResponse(provider, community, client, request, login);
  } catch (err) {
    if (err instanceof OAuthError) throw new RedirectableError(err, request.redirect_uri, request.state, request.response_mode);
    throw err;
  }
}
