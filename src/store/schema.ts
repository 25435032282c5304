/**
 * Table types for Kysely. One schema for SQLite and PostgreSQL: times are epoch seconds (bigint),
 * JSON is stored as text, booleans as 0/1 integers, so every query is one code path.
 */
export interface CommunityTable {
  id: string;
  name: string;
  settings: string;
  /** Bumped with every change to the community's clients or keys (see runtime/change-watcher.ts). */
  revision: number;
  created_at: number;
  updated_at: number;
}

export interface SigningKeyTable {
  kid: string;
  community_id: string;
  alg: string;
  public_jwk: string;
  /** AES-256-GCM sealed PKCS#8 PEM (see keys/key-encryption.ts). */
  private_key: string;
  /** Legacy: always 'active'. A key's state follows from activates_at/retires_at (see keys/key-rotation.ts). */
  status: string;
  created_at: number;
  /** Signs from this time (until a newer key activates); published before it. */
  activates_at: number;
  /** A superseded key is published until this time, then retired; null while nothing superseded it. */
  retires_at: number | null;
}

export interface ClientTable {
  community_id: string;
  client_id: string;
  /** HMAC-SHA-256 of the secret under the server's secret-hash key. */
  secret_hash: string | null;
  /** The secret sealed with the master key; only kept for client_secret_jwt (HMAC needs the secret itself). */
  secret_sealed: string | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

export interface UserTable {
  id: string;
  community_id: string;
  username: string;
  password_hash: string | null;
  claims: string;
  created_at: number;
  updated_at: number;
}

export interface SessionTable {
  /** SHA-256 of the cookie value. */
  cookie_hash: string;
  sid: string;
  community_id: string;
  user_id: string;
  auth_time: number;
  acr: string | null;
  amr: string;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
}

export interface InteractionTable {
  uid: string;
  community_id: string;
  /** The validated authorization request (JSON). */
  request: string;
  /** SHA-256 of the browser-binding cookie value. */
  browser_hash: string;
  csrf: string;
  /** Set once the user authenticated during this interaction. */
  user_id: string | null;
  auth_time: number | null;
  amr: string | null;
  /** The SSO session the user is (or became) signed in with. */
  sid: string | null;
  /** The acr the login achieved (e.g. `idp:NAME` after an upstream login); absent on rows from before 0004. */
  acr?: string | null;
  /** An Entra EAM interaction's context (JSON, src/eam/context.ts); null or absent for every other interaction. */
  eam?: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface ConsentTable {
  community_id: string;
  user_id: string;
  client_id: string;
  scope: string;
  updated_at: number;
}

export interface AuthorizationCodeTable {
  code_hash: string;
  grant_id: string;
  community_id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  scope: string;
  nonce: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  auth_time: number;
  acr: string | null;
  amr: string;
  sid: string | null;
  /** The claims request parameter and claims_locales (oauth/claims-request.ts), JSON; from migration 0010. */
  claims?: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface RefreshTokenTable {
  token_hash: string;
  grant_id: string;
  community_id: string;
  client_id: string;
  user_id: string;
  scope: string;
  auth_time: number;
  acr: string | null;
  amr: string;
  sid: string | null;
  /** The claims request parameter and claims_locales (oauth/claims-request.ts), JSON; from migration 0010. */
  claims?: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  revoked_at: number | null;
}

export interface AccessTokenTable {
  /** `o:` + SHA-256 of an opaque token, or `j:` + the jti of a JWT access token. */
  id: string;
  grant_id: string | null;
  community_id: string;
  client_id: string;
  user_id: string | null;
  scope: string;
  format: string;
  auth_time: number | null;
  /** The claims request parameter and claims_locales (oauth/claims-request.ts), JSON; from migration 0010. */
  claims?: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** A client an SSO session signed in to (an authorization response was issued under the session). */
export interface SessionClientTable {
  community_id: string;
  sid: string;
  client_id: string;
  created_at: number;
  expires_at: number;
}

/** A pushed authorization request (RFC 9126), taken once. */
export interface PushedRequestTable {
  request_uri: string;
  community_id: string;
  client_id: string;
  /** The authorization request's parameters (JSON object of strings). */
  params: string;
  expires_at: number;
}

/** Failed attempts under one throttling key within a window that ends at expires_at. */
export interface FailureCounterTable {
  key: string;
  count: number;
  expires_at: number;
}

export interface AssertionJtiTable {
  community_id: string;
  client_id: string;
  jti: string;
  expires_at: number;
}

/** Service API licenses (src/service/licenses.ts): stored by a keyed hash of the license key, never the key. */
export interface LicenseTable {
  /** HMAC-SHA-256 of the license key under the server's secret-hash key. */
  key_hash: string;
  tag: string;
  type: string;
  /** system | service | community */
  auth_level: string;
  /** The community a community-level license is for (its name), else null. */
  community: string | null;
  /** epoch seconds */
  expiry: number;
  disabled: number;
  created_at: number;
  updated_at: number;
}

export interface UpstreamProviderTable {
  community_id: string;
  /** The upstream's name in its community (login button, `acr_values=idp:NAME`). */
  name: string;
  issuer: string;
  client_id: string;
  /** The client secret sealed with the master key (keys/sealing.ts): it is sent to the upstream, so kept, not hashed. */
  client_secret_sealed: string;
  /** JSON: scopes, claim mapping, link_by, display name (see identity/upstream/config.ts). */
  settings: string;
  created_at: number;
  updated_at: number;
}

/** Service keys (keyId/keySecret pairs): the key id is the SHA-512 hex of the secret, the secret is kept sealed. */
export interface ServiceKeyTable {
  key_id: string;
  tag: string;
  type: string;
  /** The secret sealed with the master key (GET /oauth2/servicekeys returns it to system licenses). */
  secret_sealed: string;
  /** The key id of the secret the provisioning file last set for this tag (a reset through the API is kept). */
  provisioned_id: string | null;
  created_at: number;
}

/** The service's own long-lived ECDH key pair, one per curve, shared by every node. */
export interface ServiceKeyPairTable {
  curve: string;
  public_key: string;
  /** The base64 private scalar, sealed with the master key. */
  private_key: string;
  created_at: number;
}

/** An upstream account (upstream name + its `sub`) linked to a local user. */
export interface UpstreamLinkTable {
  community_id: string;
  upstream_name: string;
  upstream_sub: string;
  user_id: string;
  created_at: number;
}

/** A redirect to an upstream waiting for its callback, found by the hash of `state`. */
export interface UpstreamPendingTable {
  state_hash: string;
  community_id: string;
  upstream_name: string;
  /** The interaction the login continues. */
  interaction_uid: string;
  /** SHA-256 of the cookie binding the callback to the browser that started it. */
  browser_hash: string;
  nonce: string;
  code_verifier: string;
  redirect_uri: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface TotpFactorTable {
  user_id: string;
  community_id: string;
  /** The base32 secret, sealed (keys/sealing.ts). */
  secret_sealed: string;
  /** Null while the enrolment waits for its first code. */
  confirmed_at: number | null;
  /** The last accepted RFC 6238 time step: a code of this step or an earlier one is refused (replay). */
  last_step: number | null;
  created_at: number;
}

export interface RecoveryCodeTable {
  user_id: string;
  /** HMAC-SHA-256 of the normalized code with the secret-hashing key. */
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

/** A user's passkey (WebAuthn credential): the public key and signature counter of one authenticator. */
export interface WebauthnCredentialTable {
  /** The credential id, base64url (unique across all communities). */
  id: string;
  community_id: string;
  user_id: string;
  name: string;
  /** The COSE public key, base64url. */
  public_key: string;
  counter: number;
  /** JSON array of the authenticator's transports (hints for allowCredentials). */
  transports: string;
  /** 1 when the credential is backed up / multi-device (a synced passkey). */
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

/** A WebAuthn challenge waiting for its ceremony, under a key that binds it (session or interaction); used once. */
export interface WebauthnChallengeTable {
  key: string;
  community_id: string;
  user_id: string;
  challenge: string;
  expires_at: number;
}

/** An Entra identity (tenant + object id) linked to a local user (src/eam/accounts.ts). */
export interface ExternalIdentityTable {
  community_id: string;
  tid: string;
  oid: string;
  user_id: string;
  created_at: number;
}

export interface Database {
  communities: CommunityTable;
  signing_keys: SigningKeyTable;
  clients: ClientTable;
  users: UserTable;
  sessions: SessionTable;
  interactions: InteractionTable;
  consents: ConsentTable;
  authorization_codes: AuthorizationCodeTable;
  refresh_tokens: RefreshTokenTable;
  access_tokens: AccessTokenTable;
  assertion_jtis: AssertionJtiTable;
  licenses: LicenseTable;
  service_keys: ServiceKeyTable;
  service_key_pairs: ServiceKeyPairTable;
  session_clients: SessionClientTable;
  pushed_requests: PushedRequestTable;
  failure_counters: FailureCounterTable;
  totp_factors: TotpFactorTable;
  recovery_codes: RecoveryCodeTable;
  upstream_providers: UpstreamProviderTable;
  upstream_links: UpstreamLinkTable;
  upstream_pending: UpstreamPendingTable;
  webauthn_credentials: WebauthnCredentialTable;
  webauthn_challenges: WebauthnChallengeTable;
  external_identities: ExternalIdentityTable;
}
