/**
 * JWT bearer grant (RFC 7523 §2.1, §3): a JWT from an issuer this client trusts (`jwt_bearer_issuers`) is exchanged
 * for an access token for the user the JWT names. The assertion must be signed with an asymmetric key of that
 * issuer, name this community's issuer or token endpoint as `aud`, carry `exp` (at most an hour ahead), `sub` and
 * a `jti`; a `jti` is accepted once. The answer is an access token only: no refresh token (RFC 7521 §4.1 leaves it to
 * the server; a new assertion is the way to a new token) and no ID token (no user authenticated here).
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { invalidGrant, invalidScope } from '../errors.js';
import { parseScope, requireAllowedScopes } from '../scopes.js';
import { JWT_BEARER } from '../client.js';
import { ASYMMETRIC_ALGS } from '../client-auth.js';
import { findUserById, findUserByUsername } from '../../store/users.js';
import { mintAccessToken, storeTokens, type TokenResponse } from '../tokens.js';
import type { GrantHandler } from './grant.js';

/** Longest time ahead an assertion may expire; its jti is remembered that long. */
const MAX_ASSERTION_LIFETIME = 3600;
const MAX_ASSERTION_LENGTH = 16_384;

export const jwtBearerGrant: GrantHandler = {
  grantType: JWT_BEARER,
  async handle({ provider, community, client, params }) {
    const assertion = params.require('assertion');
    if (assertion.length > MAX_ASSERTION_LENGTH) throw invalidGrant('assertion is too long');
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(assertion);
    } catch {
      throw invalidGrant('assertion is not a JWT');
    }
    const issuer = typeof unverified.iss === 'string' ? unverified.iss : undefined;
    const trusted = issuer === undefined ? undefined : client.bearerIssuers?.get(issuer);
    if (!issuer || !trusted) throw invalidGrant('assertion issuer is not trusted by this client');

    const now = provider.clock.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, trusted.keys, {
        issuer,
        audience: [community.issuer, `${community.issuer}/v1/token`],
        algorithms: ASYMMETRIC_ALGS,
        requiredClaims: ['exp', 'sub', 'jti'],
        clockTolerance: 30,
        currentDate: new Date(now * 1000),
      }));
    } catch (err) {
      const reason = err instanceof joseErrors.JOSEError ? err.message : 'verification failed';
      throw invalidGrant(`assertion rejected: ${reason}`);
    }
    const exp = payload.exp!;
    if (exp - now > MAX_ASSERTION_LIFETIME) throw invalidGrant('assertion expires too far in the future');
    const jti = payload.jti!;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalidGrant('assertion jti is invalid');
    const sub = String(payload.sub);
    const user = trusted.subject === 'username' ? await findUserByUsername(provider.db, community.id, sub) : await findUserById(provider.db, community.id, sub);
    if (!user) throw invalidGrant('assertion subject is not a user of this community');
    // Recorded under the issuer (not the client), so one assertion buys one token whichever client presents it.
    const fresh = await provider.shortLived.recordAssertionJti(community.id, `${JWT_BEARER} ${issuer}`, jti, exp + 60);
    if (!fresh) throw invalidGrant('assertion jti was already used');

    const requested = parseScope(params.get('scope'));
    if (requested.includes('offline_access')) throw invalidScope('offline_access is not available with the jwt-bearer grant');
    requireAllowedScopes(requested, client.scopes);
    const scope = requested.length > 0 ? requested : [...client.scopes].filter((s) => s !== 'offline_access');
    provider.log.info({ community: community.name, client: client.metadata.client_id, issuer }, 'jwt-bearer grant');
    const access = await mintAccessToken(community, client, { userId: user.id, scope, grantId: randomUUID(), authTime: now }, now, provider.config.lifetimes);
    await storeTokens(provider.db, access);
    const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn };
    if (scope.length > 0) response.scope = scope.join(' ');
    return response;
  },
};
