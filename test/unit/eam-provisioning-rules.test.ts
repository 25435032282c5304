/** Validation of the EAM parts of the provisioning file: an EAM client, users' external_ids, the community's eam. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProvisioning, ProvisioningError } from '../../src/provisioning/schema.js';
import { mergeEamSetting } from '../../src/provisioning/eam.js';

const APP = 'AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee';
const TENANT = '11111111-2222-3333-4444-555555555555';
const OID = '0a0b0c0d-0000-4000-8000-00000000a11c';
const CALLBACK = 'https://login.microsoftonline.com/common/federation/externalauthprovider';

const eamClient = (fields: Record<string, unknown> = {}, eam: Record<string, unknown> = {}) => ({
  communities: [
    {
      name: 'acme',
      clients: [{ client_id: 'entra', token_endpoint_auth_method: 'none', grant_types: [], redirect_uris: [CALLBACK], eam: { entra_app_id: APP, allowed_tenant_ids: [TENANT.toUpperCase()], ...eam }, ...fields }],
    },
  ],
});

const withUsers = (users: unknown[], community: Record<string, unknown> = {}) => ({ communities: [{ name: 'acme', users, ...community }] });

function refused(input: unknown, message: RegExp): void {
  assert.throws(() => parseProvisioning(input), (err: unknown) => err instanceof ProvisioningError && message.test(err.message), String(message));
}

describe('EAM provisioning rules', () => {
  it('accepts an EAM client, keeping its GUIDs in lower case and RS256 ID tokens', () => {
    const client = parseProvisioning(eamClient()).communities[0]!.clients[0]!;
    assert.deepEqual(client.eam, { entra_app_id: APP.toLowerCase(), allowed_tenant_ids: [TENANT] });
    assert.equal(client.id_token_signed_response_alg, 'RS256');
  });

  it('names the bad field of an EAM client', () => {
    refused(eamClient({ id_token_signed_response_alg: 'ES256' }), /clients\/0\/id_token_signed_response_alg: an EAM client's ID tokens are RS256/);
    refused(eamClient({}, { entra_app_id: 'not-a-guid' }), /eam\/entra_app_id/);
    refused(eamClient({}, { allowed_tenant_ids: [] }), /eam\/allowed_tenant_ids/);
    refused(eamClient({}, { entra_metadata_url: 'http://login.example/common/v2.0/.well-known/openid-configuration' }), /eam\/entra_metadata_url: must be an https URL/);
    refused(eamClient({}, { extra: 1 }), /eam: unknown field "extra"/);
    refused(eamClient({ redirect_uris: [] }), /redirect_uris: an EAM client needs/);
    refused(eamClient({ scope: 'profile' }), /scope: an EAM client needs the openid scope/);
  });

  it('links Entra identities to users, each identity to one user only', () => {
    const parsed = parseProvisioning(withUsers([{ username: 'alice', external_ids: [{ oid: OID, tid: TENANT }] }]));
    assert.deepEqual(parsed.communities[0]!.users[0]!.external_ids, [{ oid: OID, tid: TENANT }]);
    refused(withUsers([{ username: 'alice', external_ids: [{ oid: 'x', tid: TENANT }] }]), /external_ids\/0\/oid/);
    refused(withUsers([{ username: 'alice', external_ids: [{ oid: OID }] }]), /missing field "tid"/);
    refused(
      withUsers([
        { username: 'alice', external_ids: [{ oid: OID, tid: TENANT }] },
        { username: 'bob', external_ids: [{ oid: OID.toUpperCase(), tid: TENANT }] },
      ]),
      /users\/1\/external_ids\/0: the Entra identity .* is linked twice/,
    );
  });

  it('the community’s first link by username is off unless asked for', () => {
    assert.equal(parseProvisioning(withUsers([])).communities[0]!.eam, undefined);
    assert.deepEqual(parseProvisioning(withUsers([], { eam: {} })).communities[0]!.eam, { link_by: 'none' });
    assert.deepEqual(parseProvisioning(withUsers([], { eam: { link_by: 'username' } })).communities[0]!.eam, { link_by: 'username' });
    refused(withUsers([], { eam: { link_by: 'email' } }), /eam\/link_by: must be one of/);
  });

  it('keeps the setting in the community settings only while the file asks for username links', () => {
    const stored = mergeEamSetting('{"login_ui_url":"https://ui.example"}', { link_by: 'username' });
    assert.deepEqual(JSON.parse(stored), { login_ui_url: 'https://ui.example', eam: { link_by: 'username' } });
    assert.deepEqual(JSON.parse(mergeEamSetting(stored, undefined)), { login_ui_url: 'https://ui.example' });
    assert.deepEqual(JSON.parse(mergeEamSetting(stored, { link_by: 'none' })), { login_ui_url: 'https://ui.example' });
  });
});
