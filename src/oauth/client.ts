/**
 * Client metadata (RFC 7591 / OIDC Dynamic Registration names) as Tessera uses it at runtime.
 */
import type { SigningAlg } from '../keys/jws-sign.js';
import type { EamSettings } from '../eam/entra-hint.js';
import type { MfaSettings } from '../identity/mfa-policy.js';

/** RFC 7523 §2.1: a JWT from a trusted issuer, exchanged for an access token for the user it names. */
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** RFC 8693: a token of this community exchanged for one with another audience, narrower scope, or an actor. */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** `implicit` is not a token endpoint grant: it lets a client get tokens from the authorization endpoint. */
export const GRANT_TYPES = ['authorization_code', 'implicit', 'refresh_token', 'client_credentials', 'password', JWT_BEARER, TOKEN_EXCHANGE] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'] as const;
export type ClientAuthMethod = (typeof AUTH_METHODS)[number];

export interface JwkSet {
  keys: Record<string, unknown>[];
}

/**
 * An issuer whose JWTs a client may present with the jwt-bearer grant. Its keys are `jwks` or `jwks_uri`; an entry
 * whose issuer is the client's own client_id and that names no keys uses the client's registered keys.
 */
export interface JwtBearerIssuer {
  issuer: string;
  jwks?: JwkSet;
  jwks_uri?: string;
  /** How the assertion's `sub` names the user: Tessera's subject identifier (`id`) or the username. */
  subject: 'id' | 'username';
}

export interface ClientMetadata {
  client_id: string;
  client_name?: string;
  application_type: 'web' | 'native';
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: GrantType[];
  response_types: string[];
  token_endpoint_auth_method: ClientAuthMethod;
  token_endpoint_auth_signing_alg?: string;
  /** Space-separated scopes the client may request. */
  scope: string;
  jwks?: JwkSet;
  jwks_uri?: string;
  id_token_signed_response_alg: SigningAlg;
  /** First-party client: no consent page. */
  skip_consent: boolean;
  access_token_format: 'jwt' | 'opaque';
  /** `aud` of access tokens; the client_id when unset. */
  access_token_audience?: string;
  /** PKCE `plain` is refused unless this is true. */
  allow_plain_pkce: boolean;
  /** PKCE is always required for public clients; this requires it for a confidential client too. */
  require_pkce: boolean;
  /**
   * Refresh token rotation (RFC 9700 §4.14.2): on (the default) every use issues a successor and a replay revokes the
   * family. A confidential client may turn it off: its refresh token then stays the same until it expires (a
   * fixed lifetime, not sliding) or is revoked. Public clients always rotate.
   */
  rotate_refresh_tokens?: boolean;
  /** RFC 9126 §6: this client's authorization requests must come through the PAR endpoint. */
  require_pushed_authorization_requests?: boolean;
  /** RFC 9101 / OIDC Dynamic Registration: the only algorithm accepted for this client's request objects. */
  request_object_signing_alg?: string;
  /** OIDC Back-Channel Logout 1.0: where logout tokens are POSTed; whether the client needs `sid` in them. */
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
  /** OIDC Front-Channel Logout 1.0: loaded in an iframe on the signed-out page; with `iss` and `sid` when required. */
  frontchannel_logout_uri?: string;
  frontchannel_logout_session_required?: boolean;
  /** RFC 8693 `audience`/`resource` values this client may obtain tokens for by token exchange. */
  token_exchange_audiences?: string[];
  /** RFC 7523: issuers whose assertions this client may exchange (jwt-bearer grant). */
  jwt_bearer_issuers?: JwtBearerIssuer[];
  /** A Microsoft Entra external authentication method client (src/eam/): Entra's App ID, tenants, metadata URL. */
  eam?: EamSettings;
  /** Second-factor policy for this client, overriding the community's (identity/mfa-policy.ts). */
  mfa?: MfaSettings;
}

export interface Client {
  metadata: ClientMetadata;
  secretHash: string | null;
  secretSealed: string | null;
  /** Allowed scopes as a set. */
  scopes: ReadonlySet<string>;
}

export function isPublicClient(client: Client): boolean {
  return client.metadata.token_endpoint_auth_method === 'none';
}

export function toClient(metadata: ClientMetadata, secretHash: string | null, secretSealed: string | null): Client {
  return { metadata, secretHash, secretSealed, scopes: new Set(metadata.scope.split(' ').filter(Boolean)) };
}
