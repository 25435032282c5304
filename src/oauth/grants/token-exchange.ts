/**
 * OAuth 2.0 Token Exchange (RFC 8693): a client trades an access token of this community (the subject token) for a
 * new access token, typically for a downstream resource server (`audience`/`resource`), with the same or a narrower
 * scope, optionally naming itself or another party as the actor (`actor_token` → the `act` claim, §4.1).
 *
 * Policy (the RFC leaves it to the server):
 * - the exchanging client must be the one the subject token was issued to, or a resource server it was issued for
 *   (the token's audience is the client's client_id or its access_token_audience);
 * - the subject token is a user's (a client acting for itself has client_credentials);
 * - the new scope lies within both the subject token's scope and the client's registered scope; nothing widens;
 * - an audience must be listed in the client's `token_exchange_audiences`; without one, the client's own audience;
 * - the new token expires no later than the subject token, stays under the same grant (revoking the grant revokes
 *   it), and is always a JWT (RFC 9068): its audience is another service, which must be able to validate it.
 */
import { OAuthError, invalidRequest, invalidScope } from '../errors.js';
import { TOKEN_EXCHANGE } from '../client.js';
import { parseScope } from '../scopes.js';
import { resolveAccessToken, type ActiveAccessToken } from '../access-token.js';
import { mintAccessToken, storeTokens, type TokenResponse } from '../tokens.js';
import type { GrantContext, GrantHandler } from './grant.js';

export const TOKEN_TYPE_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
const SUBJECT_TYPES = new Set([TOKEN_TYPE_ACCESS, TOKEN_TYPE_JWT]);

/** Resolves a presented token of this community; RFC 8693 §2.2.2 answers a bad one with invalid_request. */
async function presentedToken(ctx: GrantContext, token: string, type: string, role: 'subject_token' | 'actor_token'): Promise<ActiveAccessToken> {
  if (!SUBJECT_TYPES.has(type)) throw invalidRequest(`${role}_type ${type} is not supported (use ${TOKEN_TYPE_ACCESS})`);
  const active = await resolveAccessToken(ctx.provider, ctx.community, token);
  if (!active) throw invalidRequest(`${role} is invalid, expired or revoked`);
  if (type === TOKEN_TYPE_JWT && active.format !== 'jwt') throw invalidRequest(`${role} is not a JWT`);
  return active;
}

/** The audiences a token was issued for: a JWT says so itself; an opaque token has its client's audience. */
async function audiencesOf(ctx: GrantContext, token: ActiveAccessToken): Promise<string[]> {
  if (token.aud !== undefined) return Array.isArray(token.aud) ? token.aud : [token.aud];
  const issuedTo = await ctx.provider.registry.client(ctx.community, token.clientId);
  return [issuedTo?.metadata.access_token_audience ?? token.clientId];
}

function requestedAudiences(ctx: GrantContext): string[] | undefined {
  const requested = [...new Set([...ctx.params.getAll('audience'), ...ctx.params.getAll('resource')])];
  if (requested.length === 0) return undefined;
  const allowed = new Set(ctx.client.metadata.token_exchange_audiences ?? []);
  const refused = requested.filter((a) => !allowed.has(a));
  if (refused.length > 0) throw new OAuthError('invalid_target', `this client may not obtain tokens for ${refused.join(' ')}`);
  return requested;
}

function exchangedScope(ctx: GrantContext, subject: ActiveAccessToken): string[] {
  const requested = parseScope(ctx.params.get('scope'));
  const held = new Set(subject.scope);
  if (requested.length === 0) return subject.scope.filter((s) => ctx.client.scopes.has(s));
  const beyond = requested.filter((s) => !held.has(s) || !ctx.client.scopes.has(s));
  if (beyond.length > 0) throw invalidScope(`scope beyond the subject token or this client: ${beyond.join(' ')}`);
  return requested;
}

export const tokenExchangeGrant: GrantHandler = {
  grantType: TOKEN_EXCHANGE,
  async handle(ctx) {
    const { provider, community, client, params } = ctx;
    const clientId = client.metadata.client_id;
    const requestedType = params.get('requested_token_type') ?? TOKEN_TYPE_ACCESS;
    if (!SUBJECT_TYPES.has(requestedType)) throw invalidRequest(`requested_token_type ${requestedType} is not supported`);
    const subject = await presentedToken(ctx, params.require('subject_token'), params.require('subject_token_type'), 'subject_token');
    if (subject.userId === null) throw invalidRequest('subject_token names no user; a client acting for itself uses client_credentials');
    const actorToken = params.get('actor_token');
    const actorType = params.get('actor_token_type');
    if ((actorToken === undefined) !== (actorType === undefined)) throw invalidRequest('actor_token and actor_token_type go together');
    const actor = actorToken === undefined ? undefined : await presentedToken(ctx, actorToken, actorType!, 'actor_token');

    const own = client.metadata.access_token_audience ?? clientId;
    const subjectAudiences = await audiencesOf(ctx, subject);
    if (subject.clientId !== clientId && !subjectAudiences.includes(own) && !subjectAudiences.includes(clientId)) {
      throw invalidRequest('subject_token was neither issued to this client nor for it');
    }
    const audience = requestedAudiences(ctx);
    const scope = exchangedScope(ctx, subject);

    // §4.1: the new actor, with the chain of earlier actors nested below it; without an actor token the chain stays.
    const act = actor ? { sub: actor.userId ?? actor.clientId, ...(subject.act ? { act: subject.act } : {}) } : subject.act;
    const now = provider.clock.now();
    const access = await mintAccessToken(
      community,
      client,
      { userId: subject.userId, scope, grantId: subject.grantId, ...(subject.authTime !== undefined ? { authTime: subject.authTime } : {}) },
      now,
      provider.config.lifetimes,
      { format: 'jwt', notAfter: subject.exp, ...(audience ? { audience: audience.length === 1 ? audience[0]! : audience } : {}), ...(act ? { act } : {}) },
    );
    await storeTokens(provider.db, access);
    provider.log.info({ community: community.name, client: clientId, from: subject.clientId, audience: audience ?? [own], actor: Boolean(actor) }, 'token exchange');
    const response: TokenResponse = { access_token: access.token, issued_token_type: requestedType, token_type: 'Bearer', expires_in: access.expiresIn };
    if (scope.length > 0) response.scope = scope.join(' ');
    return response;
  },
};
