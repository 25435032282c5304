/**
 * Schema migrations, written once with Kysely's schema builder so they run on SQLite and PostgreSQL alike.
 * Kysely's Migrator takes a database lock (an advisory lock on PostgreSQL), so nodes starting together do not race.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('communities')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('private_key', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('signing_keys_community').on('signing_keys').column('community_id').execute();
    await db.schema
      .createTable('clients')
      .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text')
      .addColumn('secret_sealed', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('clients_pk', ['community_id', 'client_id'])
      .execute();
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('claims', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('users_community_username', ['community_id', 'username'])
      .execute();
    await db.schema
      .createTable('sessions')
      .addColumn('cookie_hash', 'text', (c) => c.primaryKey())
      .addColumn('sid', 'text', (c) => c.notNull().unique())
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('acr', 'text')
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .execute();
    await db.schema
      .createTable('interactions')
      .addColumn('uid', 'text', (c) => c.primaryKey())
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('browser_hash', 'text', (c) => c.notNull())
      .addColumn('csrf', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('auth_time', 'bigint')
      .addColumn('amr', 'text')
      .addColumn('sid', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint')
      .execute();
    await db.schema
      .createTable('consents')
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('consents_pk', ['community_id', 'user_id', 'client_id'])
      .execute();
    await db.schema
      .createTable('authorization_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('grant_id', 'text', (c) => c.notNull())
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text')
      .addColumn('code_challenge', 'text')
      .addColumn('code_challenge_method', 'text')
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('acr', 'text')
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('sid', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint')
      .execute();
    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('grant_id', 'text', (c) => c.notNull())
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('auth_time', 'bigint', (c) => c.notNull())
      .addColumn('acr', 'text')
      .addColumn('amr', 'text', (c) => c.notNull())
      .addColumn('sid', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('refresh_tokens_grant').on('refresh_tokens').column('grant_id').execute();
    await db.schema
      .createTable('access_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('grant_id', 'text')
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('auth_time', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema.createIndex('access_tokens_grant').on('access_tokens').column('grant_id').execute();
    await db.schema
      .createTable('assertion_jtis')
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('jti', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('assertion_jtis_pk', ['community_id', 'client_id', 'jti'])
      .execute();
    for (const table of ['sessions', 'interactions', 'authorization_codes', 'refresh_tokens', 'access_tokens', 'assertion_jtis']) {
      await db.schema.createIndex(`${table}_expires`).on(table).column('expires_at').execute();
    }
  },
};

/** A revision per community, bumped with every change to its clients or keys: how nodes notice each other's changes. */
const communityRevision: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('communities').addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};

/**
 * Key rotation (keys/key-rotation.ts): a key signs from `activates_at` (existing keys: since they were created) and a
 * superseded key is published until `retires_at`.
 */
const keyRotation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('signing_keys').addColumn('activates_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('signing_keys').addColumn('retires_at', 'bigint').execute();
    await sql`update signing_keys set activates_at = created_at`.execute(db);
  },
};

/** The service API (issue 6): licenses, service keys and the service's own ECDH key pair. */
const serviceApi: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('licenses')
      .addColumn('key_hash', 'text', (c) => c.primaryKey())
      .addColumn('tag', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('auth_level', 'text', (c) => c.notNull())
      .addColumn('community', 'text')
      .addColumn('expiry', 'bigint', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('service_keys')
      .addColumn('key_id', 'text', (c) => c.primaryKey())
      .addColumn('tag', 'text', (c) => c.notNull().unique())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('provisioned_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('service_key_pairs')
      .addColumn('curve', 'text', (c) => c.primaryKey())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('private_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};

/**
 * Sessions and logout (OIDC Front-/Back-Channel Logout): the clients each SSO session signed in to, and the sessions
 * of a user (the session list page, sign-out everywhere).
 */
const sessionClients: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('session_clients')
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('sid', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('session_clients_pk', ['community_id', 'sid', 'client_id'])
      .execute();
    await db.schema.createIndex('session_clients_expires').on('session_clients').column('expires_at').execute();
    await db.schema.createIndex('sessions_user').on('sessions').columns(['community_id', 'user_id']).execute();
  },
};

/** Pushed authorization requests (RFC 9126): the request's parameters behind a one-time request_uri. */
const pushedRequests: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('pushed_requests')
      .addColumn('request_uri', 'text', (c) => c.primaryKey())
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('pushed_requests_expires').on('pushed_requests').column('expires_at').execute();
  },
};

/** Failed sign-in attempts per key (account, account and client address, client address) in fixed windows. */
const failureCounters: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('failure_counters')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('failure_counters_expires').on('failure_counters').column('expires_at').execute();
  },
};

/**
 * Upstream identity providers (identity/upstream/): each community's upstream OpenID providers (client secret
 * sealed), the links upstream account → local user, the pending upstream redirects (when short-lived state is kept
 * in the database), and the `acr` an interaction's login achieved.
 */
const upstreamLinks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('upstream_providers')
      .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('client_secret_sealed', 'text', (c) => c.notNull())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('upstream_providers_pk', ['community_id', 'name'])
      .execute();
    await db.schema
      .createTable('upstream_links')
      .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
      .addColumn('upstream_name', 'text', (c) => c.notNull())
      .addColumn('upstream_sub', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('upstream_links_pk', ['community_id', 'upstream_name', 'upstream_sub'])
      .execute();
    await db.schema.createIndex('upstream_links_user').on('upstream_links').column('user_id').execute();
    await db.schema
      .createTable('upstream_pending')
      .addColumn('state_hash', 'text', (c) => c.primaryKey())
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('upstream_name', 'text', (c) => c.notNull())
      .addColumn('interaction_uid', 'text', (c) => c.notNull())
      .addColumn('browser_hash', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('code_verifier', 'text', (c) => c.notNull())
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('consumed_at', 'bigint')
      .execute();
    await db.schema.createIndex('upstream_pending_expires').on('upstream_pending').column('expires_at').execute();
    await db.schema.alterTable('interactions').addColumn('acr', 'text').execute();
  },
};

/**
 * The claims request parameter (OIDC Core §5.5) and claims_locales, kept with the authorization code, the refresh
 * tokens and the access tokens of a grant so the ID tokens of later refreshes and UserInfo honour them.
 */
const requestedClaims: Migration = {
  async up(db: Kysely<unknown>) {
    for (const table of ['authorization_codes', 'refresh_tokens', 'access_tokens']) {
      await db.schema.alterTable(table).addColumn('claims', 'text').execute();
    }
  },
};

/**
 * Second factors (identity/totp.ts, identity/recovery-codes.ts): a user's TOTP secret (sealed with the master key;
 * `confirmed_at` null while the enrolment waits for its first code; `last_step` the last accepted time step, so a
 * code is accepted once) and the user's one-time recovery codes (HMAC of the code; `used_at` once spent).
 */
const secondFactors: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('totp_factors')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('confirmed_at', 'bigint')
      .addColumn('last_step', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('recovery_codes')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
      .execute();
  },
};

/**
 * Passkeys (identity/passkeys.ts): each user's WebAuthn credentials (public key, counter), and the challenges of
 * ceremonies in progress when short-lived state is kept in the database.
 */
const passkeys: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('webauthn_credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('counter', 'bigint', (c) => c.notNull())
      .addColumn('transports', 'text', (c) => c.notNull())
      .addColumn('backed_up', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .execute();
    await db.schema.createIndex('webauthn_credentials_user').on('webauthn_credentials').columns(['community_id', 'user_id']).execute();
    await db.schema
      .createTable('webauthn_challenges')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('community_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('challenge', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webauthn_challenges_expires').on('webauthn_challenges').column('expires_at').execute();
  },
};

/**
 * Microsoft Entra external authentication (src/eam/): the Entra identities (tenant `tid` + object `oid`) linked to
 * local users, unique per community, and the EAM context of an interaction (the validated id_token_hint's `sub`,
 * `oid`, `tid`, `preferred_username`, the requested `acr`/`amr` values, the matched user; JSON).
 */
const externalIdentities: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('external_identities')
      .addColumn('community_id', 'text', (c) => c.notNull().references('communities.id').onDelete('cascade'))
      .addColumn('tid', 'text', (c) => c.notNull())
      .addColumn('oid', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('external_identities_pk', ['community_id', 'tid', 'oid'])
      .execute();
    await db.schema.createIndex('external_identities_user').on('external_identities').column('user_id').execute();
    await db.schema.alterTable('interactions').addColumn('eam', 'text').execute();
  },
};

const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_community_revision': communityRevision,
  '0003_key_rotation': keyRotation,
  '0004_upstream_links': upstreamLinks,
  '0005_service_api': serviceApi,
  '0007_session_clients': sessionClients,
  '0008_pushed_requests': pushedRequests,
  '0009_failure_counters': failureCounters,
  '0010_requested_claims': requestedClaims,
  '0011_second_factors': secondFactors,
  '0012_passkeys': passkeys,
  '0013_external_identities': externalIdentities,
};

const provider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

/** The database could not be reached or migrated: an operator-facing error. */
export class MigrationError extends Error {}

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'tessera_migrations', migrationLockTableName: 'tessera_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? failed?.migrationName);
    throw new MigrationError(`database migration failed: ${cause}`);
  }
}

/** Used by readiness checks. */
export async function ping(db: Kysely<unknown>): Promise<void> {
  await sql`select 1`.execute(db);
}
