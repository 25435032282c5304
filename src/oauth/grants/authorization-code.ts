/**
 * authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6, OIDC Core §3.1.3).
 * - the code is bound to the client, the redirect_uri and the PKCE challenge given at the authorization endpoint;
 * - a code_verifier without a challenge is refused (RFC 9700 §4.8.2, downgrade);
 * - single use: the first redemption wins atomically; a second one fails and revokes what the first issued (§4.1.2).
 *   Consuming the code and storing the tokens it yields is one transaction, so a racing second redemption can only
 *   see the code used once the first one's tokens exist, and its revocation reaches them.
 * A code presented by another client, or with a wrong redirect_uri or verifier, is refused without being used up.
 */
import { invalidGrant, invalidRequest } from '../errors.js';
import { sha256 } from '../../keys/secrets.js';
import { verifierMatches, type ChallengeMethod } from '../pkce.js';
import { consumeAuthorizationCode, findAuthorizationCode } from '../../store/authorization-codes.js';
import { revokeGrant } from '../../store/grants.js';
import { findUserById } from '../../store/users.js';
import type { GrantHandler } from './grant.js';
import { mintUserTokens, wantsRefreshToken } from './user-tokens.js';
import { storeTokens } from '../tokens.js';

export const authorizationCodeGrant: GrantHandler = {
  grantType: 'authorization_code',
  async handle(ctx) {
    const { provider, community, client, params } = ctx;
    const code = params.require('code');
    const redirectUri = params.get('redirect_uri');
    const verifier = params.get('code_verifier');
    const now = provider.clock.now();

    const hash = sha256(code);
    const row = await findAuthorizationCode(provider.db, hash);
    if (!row) throw invalidGrant('authorization code is invalid');
    if (row.community_id !== community.id || row.client_id !== client.metadata.client_id) {
      throw invalidGrant('authorization code was issued to another client');
    }
    const reused = async () => {
      await revokeGrant(provider.db, row.grant_id, now);
      provider.log.warn({ community: community.name, client: row.client_id }, 'authorization code reused: grant revoked');
      return invalidGrant('authorization code was already used');
    };
    if (row.consumed_at !== null) throw await reused();
    if (row.expires_at <= now) throw invalidGrant('authorization code expired');
    if (redirectUri === undefined) throw invalidRequest('redirect_uri is required');
    if (redirectUri !== row.redirect_uri) throw invalidGrant('redirect_uri does not match the authorization request');
    if (row.code_challenge) {
      if (verifier === undefined) throw invalidGrant('code_verifier is required');
      if (!verifierMatches(verifier, row.code_challenge, row.code_challenge_method as ChallengeMethod)) {
        throw invalidGrant('code_verifier does not match the code_challenge');
      }
    } else if (verifier !== undefined) {
      throw invalidGrant('code_verifier sent but the authorization request had no code_challenge');
    }
    const user = await findUserById(provider.db, community.id, row.user_id);
    if (!user) throw invalidGrant('the user no longer exists');
    const scope = row.scope.split(' ').filter(Boolean);
    const minted = await mintUserTokens(ctx, {
      userId: row.user_id,
      grantId: row.grant_id,
      scope,
      authTime: row.auth_time,
      acr: row.acr,
      amr: JSON.parse(row.amr) as string[],
      sid: row.sid,
      nonce: row.nonce,
      issueRefresh: wantsRefreshToken(ctx, scope),
      claims: row.claims ?? null,
      ...(row.claims ? { userClaims: JSON.parse(user.claims) as Record<string, unknown> } : {}),
    });
    const redeemed = await provider.db.transaction().execute(async (trx) => {
      if (!(await consumeAuthorizationCode(trx, hash, now))) return false;
      await storeTokens(trx, minted.access, minted.refresh);
      return true;
    });
    if (!redeemed) throw await reused();
    return minted.response;
  },
};
