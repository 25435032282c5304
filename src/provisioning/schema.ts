/**
 * The provisioning file (JSON): communities with their clients and users. Validated as a whole before anything is
 * applied; an error names the bad field by its JSON path.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { AUTH_METHODS, GRANT_TYPES, JWT_BEARER, TOKEN_EXCHANGE, type ClientMetadata } from '../oauth/client.js';
import { CLIENT_ASSERTION_ALGS } from '../oauth/discovery.js';
import { FACTORS, type MfaSettings } from '../identity/mfa-policy.js';
import { normalizeBase32Secret } from '../identity/totp.js';
import { carriesTokens, normalizeResponseType } from '../oauth/authorize/response-type.js';
import { userClaimsSchema } from '../oauth/standard-claims.js';
import {
  checkServiceApi,
  communityServiceProperties,
  licensesSchema,
  serviceKeysSchema,
  type CommunityServiceSettings,
  type LicenseFileSpec,
  type ServiceKeyFileSpec,
} from './service-api.js';
import { checkEamClient, checkExternalIds, clientEamSchema, communityEamSchema, externalIdsSchema, type CommunityEamSettings, type ExternalIdSpec } from './eam.js';

export interface UserSpec {
  username: string;
  password?: string;
  /** Base32 TOTP secret imported from another system: TOTP is active for the user (identity/totp.ts). */
  totp_secret?: string;
  claims: Record<string, unknown>;
  /** Entra identities linked to the user (provisioning/eam.ts). */
  external_ids?: ExternalIdSpec[];
}

export interface ClientSpec extends ClientMetadata {
  client_secret?: string;
}

/** An upstream OpenID provider users of the community may sign in with (identity/upstream/). */
export interface UpstreamSpec {
  name: string;
  display_name?: string;
  issuer: string;
  client_id: string;
  client_secret: string;
  scopes: string[];
  /** Local claim → upstream claim. The local name `username` is the local account's username. */
  claims: Record<string, string>;
  link_by: 'none' | 'email' | 'username';
}

export interface CommunitySpec extends CommunityServiceSettings {
  name: string;
  /** Second-factor policy (identity/mfa-policy.ts). */
  mfa?: MfaSettings;
  clients: ClientSpec[];
  users: UserSpec[];
  upstreams: UpstreamSpec[];
  /** Entra EAM settings of the community (provisioning/eam.ts). */
  eam?: CommunityEamSettings;
}

export interface ProvisioningFile {
  communities: CommunitySpec[];
  /** Service API (provisioning/service-api.ts). */
  licenses?: LicenseFileSpec[];
  service_keys?: ServiceKeyFileSpec[];
}

export class ProvisioningError extends Error {}

export const COMMUNITY_NAME = '^[a-z0-9][a-z0-9._-]{0,62}$';
const SCOPE_TOKEN = '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$';
const MIN_SECRET = 32;

const uri = { type: 'string', minLength: 1, maxLength: 2000 };
/** `mfa` of a community or a client (identity/mfa-policy.ts). */
const mfaSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allowed: { type: 'array', items: { enum: [...FACTORS] }, uniqueItems: true },
    required: { type: 'boolean' },
  },
} as const;
const jwkSet = {
  type: 'object',
  required: ['keys'],
  properties: { keys: { type: 'array', maxItems: 20, items: { type: 'object', required: ['kty'] } } },
} as const;
const clientSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['client_id'],
  properties: {
    client_id: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
    client_secret: { type: 'string', maxLength: 512 },
    client_name: { type: 'string', maxLength: 200 },
    application_type: { enum: ['web', 'native'], default: 'web' },
    redirect_uris: { type: 'array', items: uri, maxItems: 100, default: [] },
    post_logout_redirect_uris: { type: 'array', items: uri, maxItems: 100, default: [] },
    grant_types: { type: 'array', items: { enum: [...GRANT_TYPES] }, uniqueItems: true, default: ['authorization_code'] },
    response_types: { type: 'array', items: { type: 'string', pattern: '^(code|id_token|token)( (code|id_token|token)){0,2}$' }, uniqueItems: true, default: ['code'] },
    token_endpoint_auth_method: { enum: [...AUTH_METHODS], default: 'client_secret_basic' },
    token_endpoint_auth_signing_alg: { enum: CLIENT_ASSERTION_ALGS },
    scope: { type: 'string', maxLength: 2000, default: 'openid' },
    jwks: jwkSet,
    jwks_uri: uri,
    id_token_signed_response_alg: { enum: ['RS256', 'ES256'], default: 'RS256' },
    skip_consent: { type: 'boolean', default: false },
    access_token_format: { enum: ['jwt', 'opaque'], default: 'jwt' },
    access_token_audience: uri,
    allow_plain_pkce: { type: 'boolean', default: false },
    require_pkce: { type: 'boolean', default: false },
    rotate_refresh_tokens: { type: 'boolean', default: true },
    require_pushed_authorization_requests: { type: 'boolean', default: false },
    request_object_signing_alg: { enum: CLIENT_ASSERTION_ALGS },
    backchannel_logout_uri: uri,
    backchannel_logout_session_required: { type: 'boolean', default: false },
    frontchannel_logout_uri: uri,
    frontchannel_logout_session_required: { type: 'boolean', default: false },
    token_exchange_audiences: { type: 'array', items: uri, maxItems: 50, uniqueItems: true },
    jwt_bearer_issuers: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['issuer'],
        properties: { issuer: uri, jwks: jwkSet, jwks_uri: uri, subject: { enum: ['id', 'username'], default: 'id' } },
      },
    },
    eam: clientEamSchema,
    mfa: mfaSchema,
  },
} as const;

const userSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', minLength: 8, maxLength: 1024 },
    totp_secret: { type: 'string', minLength: 1, maxLength: 256 },
    claims: userClaimsSchema,
    external_ids: externalIdsSchema,
  },
} as const;

export const UPSTREAM_NAME = '^[a-z0-9][a-z0-9._-]{0,62}$';
const CLAIM_NAME = '^[A-Za-z0-9_.:-]{1,100}$';

const upstreamSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'issuer', 'client_id', 'client_secret'],
  properties: {
    name: { type: 'string', pattern: UPSTREAM_NAME },
    display_name: { type: 'string', minLength: 1, maxLength: 100 },
    issuer: uri,
    client_id: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
    client_secret: { type: 'string', minLength: 1, maxLength: 512 },
    scopes: { type: 'array', items: { type: 'string', pattern: SCOPE_TOKEN }, uniqueItems: true, maxItems: 50, default: ['openid', 'profile', 'email'] },
    claims: {
      type: 'object',
      propertyNames: { pattern: CLAIM_NAME },
      additionalProperties: { type: 'string', pattern: CLAIM_NAME },
      default: { username: 'preferred_username', email: 'email', email_verified: 'email_verified', name: 'name' },
    },
    link_by: { enum: ['none', 'email', 'username'], default: 'none' },
  },
} as const;

const fileSchema = {
  type: 'object',
  required: ['communities'],
  properties: {
    communities: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', pattern: COMMUNITY_NAME },
          clients: { type: 'array', items: clientSchema, default: [] },
          users: { type: 'array', items: userSchema, default: [] },
          ...communityServiceProperties,
          upstreams: { type: 'array', items: upstreamSchema, maxItems: 20, default: [] },
          eam: communityEamSchema,
          mfa: mfaSchema,
        },
      },
    },
    licenses: licensesSchema,
    service_keys: serviceKeysSchema,
  },
} as const;

const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false });
const validate = ajv.compile(fileSchema);

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(root)';
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown field ${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)}`;
  }
  if (error.keyword === 'required') {
    return `${where}: missing field ${JSON.stringify((error.params as { missingProperty: string }).missingProperty)}`;
  }
  if (error.keyword === 'enum') {
    return `${where}: must be one of ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}`;
  }
  return `${where}: ${error.message ?? 'is invalid'}`;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** RFC 9700 §2.1/§2.6: absolute, no fragment; http only for loopback; no wildcard. */
export function redirectUriProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.hash || value.includes('#')) return 'must not contain a fragment';
  if (value.includes('*')) return 'must not contain wildcards';
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) return 'may use http only for a loopback host';
  if (url.protocol === 'javascript:' || url.protocol === 'data:' || url.protocol === 'file:') return 'uses a forbidden scheme';
  return undefined;
}

type Fail = (field: string, message: string) => never;

function checkJwksUri(value: string, fail: Fail, field: string): void {
  let u: URL | undefined;
  try {
    u = new URL(value);
  } catch {
    fail(field, 'is not an absolute URI');
  }
  if (u && u.protocol !== 'https:' && !LOOPBACK.has(u.hostname)) fail(field, 'must be https');
}

function checkPublicJwks(jwks: { keys: Record<string, unknown>[] }, fail: Fail, field: string): void {
  jwks.keys.forEach((k, i) => {
    if ('d' in k || 'p' in k || 'k' in k) fail(`${field}/keys/${i}`, 'must not contain private key members');
  });
}

/** RFC 7523 and RFC 8693 need an authenticated client; jwt-bearer needs at least one trusted issuer with keys. */
function checkExtensionGrants(client: ClientSpec, fail: Fail, at: string): void {
  const extension = client.grant_types.filter((g) => g === JWT_BEARER || g === TOKEN_EXCHANGE);
  if (extension.length > 0 && client.token_endpoint_auth_method === 'none') fail('grant_types', `${extension.join(' and ')} need an authenticated client`);
  const issuers = client.jwt_bearer_issuers ?? [];
  if (client.grant_types.includes(JWT_BEARER) && issuers.length === 0) fail('jwt_bearer_issuers', `${JWT_BEARER} needs at least one trusted issuer`);
  uniqueBy(issuers, (entry) => entry.issuer, `${at}/jwt_bearer_issuers`, 'issuer');
  issuers.forEach((entry, i) => {
    const at = `jwt_bearer_issuers/${i}`;
    if (entry.jwks && entry.jwks_uri) fail(`${at}/jwks_uri`, 'give either jwks or jwks_uri, not both');
    if (entry.jwks_uri) checkJwksUri(entry.jwks_uri, fail, `${at}/jwks_uri`);
    if (entry.jwks) checkPublicJwks(entry.jwks, fail, `${at}/jwks`);
    const ownKeys = entry.issuer === client.client_id && (client.jwks !== undefined || client.jwks_uri !== undefined);
    if (!entry.jwks && !entry.jwks_uri && !ownKeys) fail(`${at}/jwks`, 'an issuer needs jwks or jwks_uri (or be the client itself, with the client\'s keys)');
  });
  (client.token_exchange_audiences ?? []).forEach((a, i) => {
    try {
      new URL(a);
    } catch {
      fail(`token_exchange_audiences/${i}`, 'is not an absolute URI');
    }
  });
}

/**
 * response_types (OIDC Dynamic Registration §2): each a supported combination, none twice in another order; one with
 * `id_token` or `token` (implicit or hybrid) needs the implicit grant, and the implicit grant needs such a response
 * type and a redirect URI. (`code` is checked against authorization_code at the authorization endpoint, as before.)
 */
function checkResponseTypes(client: ClientSpec, fail: Fail): void {
  const seen = new Set<string>();
  let implicit = false;
  client.response_types.forEach((value, i) => {
    const normalized = normalizeResponseType(value);
    if (normalized === undefined) return fail(`response_types/${i}`, `${JSON.stringify(value)} is not a supported response type`);
    if (seen.has(normalized)) fail(`response_types/${i}`, `${JSON.stringify(value)} is listed twice`);
    seen.add(normalized);
    if (carriesTokens(normalized)) implicit = true;
  });
  const grants = client.grant_types;
  if (implicit && !grants.includes('implicit')) fail('grant_types', 'response types with id_token or token need the implicit grant');
  if (grants.includes('implicit') && !implicit) fail('response_types', 'the implicit grant needs a response type with id_token or token');
  if (grants.includes('implicit') && client.redirect_uris.length === 0) fail('redirect_uris', 'implicit needs at least one redirect URI');
}

function checkClient(client: ClientSpec, at: string): void {
  const fail: Fail = (field, message) => {
    throw new ProvisioningError(`${at}/${field}: ${message}`);
  };
  client.redirect_uris.forEach((u, i) => {
    const problem = redirectUriProblem(u);
    if (problem) fail(`redirect_uris/${i}`, problem);
  });
  client.post_logout_redirect_uris.forEach((u, i) => {
    const problem = redirectUriProblem(u);
    if (problem) fail(`post_logout_redirect_uris/${i}`, problem);
  });
  const method = client.token_endpoint_auth_method;
  if (method === 'none') {
    if (client.client_secret !== undefined) fail('client_secret', 'a public client (token_endpoint_auth_method none) has no secret');
    if (client.grant_types.includes('client_credentials')) fail('grant_types', 'client_credentials needs an authenticated client');
    if (client.rotate_refresh_tokens === false) fail('rotate_refresh_tokens', 'a public client must rotate its refresh tokens (RFC 9700 section 4.14.2)');
  } else if (method === 'private_key_jwt') {
    if (!client.jwks && !client.jwks_uri) fail('jwks', 'private_key_jwt needs jwks or jwks_uri');
  } else if (client.client_secret === undefined) {
    fail('client_secret', `is required for ${method}`);
  }
  if (client.client_secret !== undefined && client.client_secret.length < MIN_SECRET) {
    fail('client_secret', `must be at least ${MIN_SECRET} characters`);
  }
  if (client.jwks && client.jwks_uri) fail('jwks_uri', 'give either jwks or jwks_uri, not both');
  if (client.jwks_uri) checkJwksUri(client.jwks_uri, fail, 'jwks_uri');
  for (const field of ['backchannel_logout_uri', 'frontchannel_logout_uri'] as const) {
    const value = client[field];
    const problem = value === undefined ? undefined : redirectUriProblem(value);
    if (problem) fail(field, problem);
  }
  if (client.jwks) checkPublicJwks(client.jwks, fail, 'jwks');
  checkExtensionGrants(client, fail, at);
  checkEamClient(client, fail);
  if (client.grant_types.includes('authorization_code') && client.redirect_uris.length === 0) {
    fail('redirect_uris', 'authorization_code needs at least one redirect URI');
  }
  if (client.grant_types.includes('refresh_token') && !client.grant_types.some((g) => g === 'authorization_code' || g === 'password')) {
    fail('grant_types', 'refresh_token needs authorization_code or password');
  }
  checkResponseTypes(client, fail);
  const scopes = client.scope.split(' ').filter(Boolean);
  scopes.forEach((s) => {
    if (!new RegExp(SCOPE_TOKEN).test(s)) fail('scope', `invalid scope token ${JSON.stringify(s)}`);
  });
  if (client.access_token_audience) {
    try {
      new URL(client.access_token_audience);
    } catch {
      fail('access_token_audience', 'is not an absolute URI');
    }
  }
}

function checkUpstream(upstream: UpstreamSpec, at: string): void {
  const fail = (field: string, message: string): never => {
    throw new ProvisioningError(`${at}/${field}: ${message}`);
  };
  let url: URL | undefined;
  try {
    url = new URL(upstream.issuer);
  } catch {
    fail('issuer', 'is not an absolute URI');
  }
  if (url!.protocol !== 'https:' && !(url!.protocol === 'http:' && LOOPBACK.has(url!.hostname))) fail('issuer', 'must be https (http only for a loopback host)');
  if (url!.search || url!.hash) fail('issuer', 'must not have a query or fragment');
  if (!upstream.scopes.includes('openid')) fail('scopes', 'must include openid');
  if ('sub' in upstream.claims) fail('claims/sub', 'sub is assigned by Tessera');
  if (upstream.link_by === 'email' && !('email' in upstream.claims)) fail('claims', 'link_by email needs a mapping for the local claim email');
  if (upstream.link_by === 'username' && !('username' in upstream.claims)) fail('claims', 'link_by username needs a mapping for username');
}

function uniqueBy<T>(items: readonly T[], key: (t: T) => string, at: string, field: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) throw new ProvisioningError(`${at}/${i}/${field}: duplicate ${JSON.stringify(k)}`);
    seen.add(k);
  });
}

/** Validates (and fills defaults into) a parsed provisioning document. Throws ProvisioningError naming the bad field. */
export function parseProvisioning(input: unknown): ProvisioningFile {
  const doc = structuredClone(input);
  if (!validate(doc)) {
    const first = validate.errors?.[0];
    throw new ProvisioningError(first ? describe(first) : 'invalid provisioning file');
  }
  const file = doc as unknown as ProvisioningFile;
  uniqueBy(file.communities, (c) => c.name, '/communities', 'name');
  checkServiceApi(file, (at, message) => {
    throw new ProvisioningError(`${at}: ${message}`);
  });
  file.communities.forEach((community, ci) => {
    const at = `/communities/${ci}`;
    uniqueBy(community.clients, (c) => c.client_id, `${at}/clients`, 'client_id');
    uniqueBy(community.users, (u) => u.username, `${at}/users`, 'username');
    community.clients.forEach((client, i) => checkClient(client, `${at}/clients/${i}`));
    uniqueBy(community.upstreams, (u) => u.name, `${at}/upstreams`, 'name');
    community.upstreams.forEach((upstream, i) => checkUpstream(upstream, `${at}/upstreams/${i}`));
    checkExternalIds(community.users, (where, message) => {
      throw new ProvisioningError(`${at}/${where}: ${message}`);
    });
    community.users.forEach((user, i) => {
      if ('sub' in user.claims) throw new ProvisioningError(`${at}/users/${i}/claims/sub: sub is assigned by Tessera`);
      if (user.totp_secret !== undefined) {
        const secret = normalizeBase32Secret(user.totp_secret);
        if (!secret) throw new ProvisioningError(`${at}/users/${i}/totp_secret: must be a base32 secret (RFC 4648) of at least 80 bits`);
        user.totp_secret = secret;
      }
    });
  });
  return file;
}
