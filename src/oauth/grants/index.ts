/** The grant registry: adding a grant type is one file plus one line here. */
import type { GrantHandler } from './grant.js';
import { authorizationCodeGrant } from './authorization-code.js';
import { refreshTokenGrant } from './refresh-token.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { passwordGrant } from './password.js';

export const grantHandlers: ReadonlyMap<string, GrantHandler> = new Map(
  [authorizationCodeGrant, refreshTokenGrant, clientCredentialsGrant, passwordGrant].map((g) => [g.grantType, g]),
);
