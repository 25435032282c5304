/** The grant registry: adding a grant type is one file plus one line here. */
import type { GrantHandler } from './grant.js';
import { authorizationCodeGrant } from './authorization-code.js';
import { refreshTokenGrant } from './refresh-token.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { passwordGrant } from './password.js';
import { jwtBearerGrant } from './jwt-bearer.js';
import { tokenExchangeGrant } from './token-exchange.js';

export const grantHandlers: ReadonlyMap<string, GrantHandler> = new Map(
  [authorizationCodeGrant, refreshTokenGrant, clientCredentialsGrant, passwordGrant, jwtBearerGrant, tokenExchangeGrant].map((g) => [g.grantType, g]),
);
