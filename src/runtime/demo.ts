/**
 * First start with an empty database: a `demo` community with a confidential client and a user, random credentials
 * printed once, and a ready-made authorize URL (with PKCE) whose redirect lands on Tessera's own demo callback page.
 */
import { randomBytes } from 'node:crypto';
import { applyProvisioning } from '../provisioning/apply.js';
import { listCommunityNames } from '../store/communities.js';
import { s256 } from '../oauth/pkce.js';
import type { Provider } from './provider.js';

export async function createDemoIfEmpty(provider: Provider, print: (text: string) => void): Promise<boolean> {
  if ((await listCommunityNames(provider.db)).length > 0) return false;
  const { publicUrl } = provider.config;
  const clientSecret = randomBytes(32).toString('base64url');
  const password = randomBytes(12).toString('base64url');
  const redirectUri = `${publicUrl}/oauth2/demo/callback`;
  await applyProvisioning(provider, {
    communities: [
      {
        name: 'demo',
        clients: [
          {
            client_id: 'demo-client',
            client_name: 'Tessera demo client',
            client_secret: clientSecret,
            redirect_uris: [redirectUri],
            post_logout_redirect_uris: [`${publicUrl}/oauth2/demo/callback`],
            grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
            scope: 'openid profile email offline_access',
          },
        ],
        users: [{ username: 'demo', password, claims: { name: 'Demo User', email: 'demo@example.com', email_verified: true } }],
      },
    ],
  });
  const issuer = provider.registry.issuerFor('demo');
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${issuer}/v1/authorize`);
  authorize.search = new URLSearchParams({
    client_id: 'demo-client',
    response_type: 'code',
    scope: 'openid profile email offline_access',
    redirect_uri: redirectUri,
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: s256(verifier),
    code_challenge_method: 'S256',
  }).toString();
  print(
    [
      '',
      '================ Tessera demo (shown once) ================',
      `Issuer:        ${issuer}`,
      `Discovery:     ${issuer}/.well-known/openid-configuration`,
      `Client:        demo-client / ${clientSecret}`,
      `User:          demo / ${password}`,
      '',
      'Open this in a browser and sign in:',
      authorize.href,
      '',
      'Then exchange the code shown on the callback page:',
      `curl -u 'demo-client:${clientSecret}' -d grant_type=authorization_code -d code=CODE \\`,
      `     --data-urlencode 'redirect_uri=${redirectUri}' -d code_verifier=${verifier} \\`,
      `     ${issuer}/v1/token`,
      '===========================================================',
      '',
    ].join('\n'),
  );
  return true;
}
