import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProvisioning, ProvisioningError } from '../../src/provisioning/schema.js';
import { wellTypedClaims } from '../../src/oauth/standard-claims.js';

const SECRET = 's'.repeat(32);
const doc = (client: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  communities: [{ name: 'acme', clients: [{ client_id: 'c', client_secret: SECRET, redirect_uris: ['https://app.example/cb'], ...client }], ...extra }],
});

function refused(input: unknown, message: RegExp): void {
  assert.throws(() => parseProvisioning(input), (err: unknown) => err instanceof ProvisioningError && message.test(err.message));
}

describe('provisioning file validation', () => {
  it('fills RFC 7591 defaults', () => {
    const client = parseProvisioning(doc({})).communities[0]!.clients[0]!;
    assert.equal(client.token_endpoint_auth_method, 'client_secret_basic');
    assert.deepEqual(client.grant_types, ['authorization_code']);
    assert.equal(client.id_token_signed_response_alg, 'RS256');
    assert.equal(client.access_token_format, 'jwt');
    assert.equal(client.application_type, 'web');
  });

  it('accepts implicit and hybrid response types with the implicit grant (OIDC Registration §2)', () => {
    const client = parseProvisioning(doc({ response_types: ['code', 'token id_token', 'code id_token'], grant_types: ['authorization_code', 'implicit'] })).communities[0]!.clients[0]!;
    assert.deepEqual(client.response_types, ['code', 'token id_token', 'code id_token']);
    assert.deepEqual(client.grant_types, ['authorization_code', 'implicit']);
  });

  it('names the bad field', () => {
    refused(doc({ colour: 'red' }), /^\/communities\/0\/clients\/0: unknown field "colour"$/);
    refused(doc({ client_secret: 'short' }), /^\/communities\/0\/clients\/0\/client_secret: must be at least 32 characters$/);
    refused(doc({ redirect_uris: ['http://app.example/cb'] }), /redirect_uris\/0: may use http only for a loopback host/);
    refused(doc({ redirect_uris: ['https://app.example/cb#x'] }), /redirect_uris\/0: must not contain a fragment/);
    refused(doc({ redirect_uris: ['https://*.example/cb'] }), /redirect_uris\/0/);
    refused(doc({ redirect_uris: ['not a uri'] }), /redirect_uris\/0: is not an absolute URI/);
    refused(doc({ client_secret: undefined }), /client_secret: is required for client_secret_basic/);
    refused(doc({ token_endpoint_auth_method: 'none' }), /client_secret: a public client/);
    refused(doc({ token_endpoint_auth_method: 'none', client_secret: undefined, rotate_refresh_tokens: false }), /rotate_refresh_tokens: a public client must rotate/);
    refused(doc({ token_endpoint_auth_method: 'private_key_jwt', client_secret: undefined }), /jwks: private_key_jwt needs jwks or jwks_uri/);
    refused(doc({ token_endpoint_auth_method: 'private_key_jwt', client_secret: undefined, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }] } }), /jwks\/keys\/0: must not contain private key members/);
    refused(doc({ grant_types: ['magic'] }), /grant_types\/0: must be one of/);
    refused(doc({ grant_types: ['implicit'] }), /response_types: the implicit grant needs a response type with id_token or token/);
    refused(doc({ response_types: ['code id_token'] }), /grant_types: response types with id_token or token need the implicit grant/);
    refused(doc({ response_types: ['code code'] }), /response_types\/0: "code code" is not a supported response type/);
    refused(doc({ response_types: ['code id_token', 'id_token code'], grant_types: ['authorization_code', 'implicit'] }), /response_types\/1: "id_token code" is listed twice/);
    refused(doc({ response_types: ['device'] }), /response_types\/0: must match pattern/);
    refused(doc({ scope: 'openid "quoted"' }), /scope: invalid scope token/);
    refused(doc({ grant_types: ['authorization_code'], redirect_uris: [] }), /redirect_uris: authorization_code needs at least one redirect URI/);
    refused({ communities: [{ name: 'Bad Name' }] }, /^\/communities\/0\/name: must match pattern/);
    refused({ communities: [{ name: 'a' }, { name: 'a' }] }, /\/communities\/1\/name: duplicate "a"/);
    refused({ communities: [{ name: 'a', clients: [{ client_id: 'x', client_secret: SECRET, redirect_uris: ['https://a/cb'] }, { client_id: 'x', client_secret: SECRET, redirect_uris: ['https://a/cb'] }] }] }, /clients\/1\/client_id: duplicate "x"/);
    refused({ communities: [{ name: 'a', users: [{ username: 'u', claims: { sub: 'forced' } }] }] }, /claims\/sub: sub is assigned by Tessera/);
    refused({}, /missing field "communities"/);
  });

  it('checks the extension grants (RFC 7523, RFC 8693): trusted issuers with keys, audiences, authenticated clients', () => {
    const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
    const keys = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
    const issuer = { issuer: 'https://idp.example', jwks: keys };
    const parsed = parseProvisioning(doc({ grant_types: [JWT_BEARER], jwt_bearer_issuers: [issuer] })).communities[0]!.clients[0]!;
    assert.equal(parsed.jwt_bearer_issuers![0]!.subject, 'id', 'assertions name users by subject identifier unless told otherwise');
    refused(doc({ grant_types: [JWT_BEARER] }), /clients\/0\/jwt_bearer_issuers: .*needs at least one trusted issuer/);
    refused(doc({ grant_types: [JWT_BEARER], jwt_bearer_issuers: [{ issuer: 'https://idp.example' }] }), /jwt_bearer_issuers\/0\/jwks: an issuer needs jwks or jwks_uri/);
    refused(doc({ grant_types: [JWT_BEARER], jwt_bearer_issuers: [{ issuer: 'c' }] }), /jwt_bearer_issuers\/0\/jwks: an issuer needs jwks/);
    refused(doc({ grant_types: [JWT_BEARER], jwt_bearer_issuers: [{ ...issuer, jwks_uri: 'https://idp.example/jwks' }] }), /jwt_bearer_issuers\/0\/jwks_uri: give either/);
    refused(doc({ grant_types: [JWT_BEARER], jwt_bearer_issuers: [{ issuer: 'i', jwks_uri: 'http://idp.example/jwks' }] }), /jwt_bearer_issuers\/0\/jwks_uri: must be https/);
    refused(doc({ grant_types: [JWT_BEARER], jwt_bearer_issuers: [{ issuer: 'i', jwks: { keys: [{ kty: 'oct', k: 'secret' }] } }] }), /jwt_bearer_issuers\/0\/jwks\/keys\/0: must not contain private key members/);
    refused(doc({ grant_types: [JWT_BEARER], jwt_bearer_issuers: [issuer, issuer] }), /jwt_bearer_issuers\/1\/issuer: duplicate/);
    refused(doc({ grant_types: [JWT_BEARER], jwt_bearer_issuers: [{ ...issuer, subject: 'email' }] }), /subject: must be one of/);
    assert.doesNotThrow(() => parseProvisioning(doc({ grant_types: [JWT_BEARER], jwks: keys, jwt_bearer_issuers: [{ issuer: 'c' }] })), 'the client itself, with its own keys');
    refused(doc({ grant_types: [TOKEN_EXCHANGE], token_endpoint_auth_method: 'none', client_secret: undefined }), /grant_types: .*need an authenticated client/);
    refused(doc({ grant_types: [TOKEN_EXCHANGE], token_exchange_audiences: ['orders'] }), /token_exchange_audiences\/0: is not an absolute URI/);
  });

  it('does not modify its input', () => {
    const input = doc({});
    const before = JSON.stringify(input);
    parseProvisioning(input);
    assert.equal(JSON.stringify(input), before);
  });
});

describe('standard claim types (OIDC Core §5.1)', () => {
  const user = (claims: Record<string, unknown>) => ({ communities: [{ name: 'acme', users: [{ username: 'u', claims }] }] });

  it('the provisioning file takes standard claims in their types, language-tagged strings and custom claims', () => {
    const claims = { email: 'a@example.com', email_verified: true, updated_at: 1700000000, 'name#de': 'Anna', address: { country: 'DE' }, department: { id: 7 } };
    assert.deepEqual(parseProvisioning(user(claims)).communities[0]!.users[0]!.claims, claims);
  });

  it('refuses a mistyped standard claim, naming it', () => {
    refused(user({ email_verified: 'true' }), /claims\/email_verified: must be boolean/);
    refused(user({ address: '1 Main St' }), /claims\/address: must be object/);
    refused(user({ address: { street: 'x' } }), /claims\/address: unknown field "street"/);
    refused(user({ updated_at: '2024-01-01' }), /claims\/updated_at: must be integer/);
    refused(user({ name: 42 }), /claims\/name: must be string/);
  });

  it('claims from an upstream provider are coerced to their types or left out', () => {
    assert.deepEqual(
      wellTypedClaims({ email: 'a@example.com', email_verified: 'true', phone_number_verified: 'no', updated_at: '2024-01-01T00:00:00Z', address: { locality: 'Berlin', x: 1 }, name: null, picture: ['x'], custom: [1] }),
      { email: 'a@example.com', email_verified: true, updated_at: 1704067200, address: { locality: 'Berlin' }, custom: [1] },
    );
  });
});
