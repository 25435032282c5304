/** OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414): lists exactly what Tessera supports. */
import { AUTH_METHODS, GRANT_TYPES } from './client.js';
import { STANDARD_CLAIMS, STANDARD_SCOPES } from './scopes.js';
import { LOCALES } from '../ui/i18n.js';
import { ACR_VALUES_SUPPORTED } from '../identity/acr.js';
import { RESPONSE_MODES, RESPONSE_TYPES } from './authorize/response-type.js';
import { ASYMMETRIC_ALGS, HMAC_ALGS } from './client-auth.js';

export const CLIENT_ASSERTION_ALGS = [...HMAC_ALGS, ...ASYMMETRIC_ALGS];

export function endpoints(issuer: string) {
  return {
    authorization_endpoint: `${issuer}/v1/authorize`,
    token_endpoint: `${issuer}/v1/token`,
    userinfo_endpoint: `${issuer}/v1/userinfo`,
    jwks_uri: `${issuer}/v1/jwks`,
    introspection_endpoint: `${issuer}/v1/introspect`,
    revocation_endpoint: `${issuer}/v1/revoke`,
    end_session_endpoint: `${issuer}/v1/logout`,
    pushed_authorization_request_endpoint: `${issuer}/v1/par`,
  };
}

export function discoveryDocument(issuer: string): Record<string, unknown> {
  const authMethods = [...AUTH_METHODS];
  return {
    issuer,
    ...endpoints(issuer),
    scopes_supported: [...STANDARD_SCOPES],
    response_types_supported: [...RESPONSE_TYPES],
    response_modes_supported: [...RESPONSE_MODES],
    grant_types_supported: [...GRANT_TYPES],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    introspection_endpoint_auth_methods_supported: authMethods.filter((m) => m !== 'none'),
    introspection_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    // `plain` works only for clients registered with allow_plain_pkce, so it is not advertised (RFC 9700 §2.1.1).
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'sid', 'azp', 'at_hash', 'c_hash', 's_hash', ...STANDARD_CLAIMS],
    claim_types_supported: ['normal'],
    claims_parameter_supported: true,
    request_parameter_supported: true,
    request_object_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
    // request_uri values are accepted only from the PAR endpoint; nothing is fetched by URL.
    request_uri_parameter_supported: false,
    require_request_uri_registration: false,
    require_pushed_authorization_requests: false,
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    display_values_supported: ['page', 'popup', 'touch', 'wap'],
    ui_locales_supported: [...LOCALES],
    // Any tag: a user claim's language-tagged variants (name#de) are released for the best match (claims-request.ts).
    claims_locales_supported: [...LOCALES],
    // Levels; upstream logins add idp:NAME (and acr_values takes idp:NAME / tenant:NAME hints).
    acr_values_supported: [...ACR_VALUES_SUPPORTED],
    authorization_response_iss_parameter_supported: true,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    frontchannel_logout_supported: true,
    frontchannel_logout_session_supported: true,
  };
}
