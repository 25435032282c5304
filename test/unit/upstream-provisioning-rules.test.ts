/** Validation of a community's `upstreams` in the provisioning file, and the `idp:NAME` acr value. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProvisioning, ProvisioningError } from '../../src/provisioning/schema.js';
import { requestedIdp } from '../../src/identity/upstream/config.js';

const upstream = (fields: Record<string, unknown>) => ({
  communities: [{ name: 'acme', upstreams: [{ name: 'corp', issuer: 'https://idp.example', client_id: 'tessera', client_secret: 'secret', ...fields }] }],
});

function refused(input: unknown, message: RegExp): void {
  assert.throws(() => parseProvisioning(input), (err: unknown) => err instanceof ProvisioningError && message.test(err.message), String(message));
}

describe('upstream provisioning rules', () => {
  it('fills defaults: scopes, the standard claim mapping, link_by none', () => {
    const parsed = parseProvisioning(upstream({})).communities[0]!.upstreams[0]!;
    assert.deepEqual(parsed.scopes, ['openid', 'profile', 'email']);
    assert.deepEqual(parsed.claims, { username: 'preferred_username', email: 'email', email_verified: 'email_verified', name: 'name' });
    assert.equal(parsed.link_by, 'none');
    assert.deepEqual(parseProvisioning({ communities: [{ name: 'acme' }] }).communities[0]!.upstreams, []);
  });

  it('names the bad field', () => {
    refused(upstream({ issuer: 'http://idp.example' }), /^\/communities\/0\/upstreams\/0\/issuer: must be https/);
    refused(upstream({ issuer: 'https://idp.example/?x=1' }), /issuer: must not have a query or fragment/);
    refused(upstream({ issuer: 'not a url' }), /issuer: is not an absolute URI/);
    refused(upstream({ scopes: ['profile'] }), /scopes: must include openid/);
    refused(upstream({ claims: { sub: 'sub' } }), /claims\/sub: sub is assigned by Tessera/);
    refused(upstream({ link_by: 'phone' }), /link_by: must be one of/);
    refused(upstream({ link_by: 'email', claims: { name: 'name' } }), /link_by email needs a mapping for the local claim email/);
    refused(upstream({ link_by: 'username', claims: { name: 'name' } }), /link_by username needs a mapping for username/);
    refused(upstream({ name: 'Corp IdP' }), /upstreams\/0\/name: must match pattern/);
    refused(upstream({ client_secret: undefined }), /missing field "client_secret"/);
    refused(upstream({ colour: 'red' }), /unknown field "colour"/);
    const two = upstream({});
    (two.communities[0]!.upstreams as unknown[]).push({ name: 'corp', issuer: 'https://b.example', client_id: 'x', client_secret: 'y' });
    refused(two, /upstreams\/1\/name: duplicate "corp"/);
  });

  it('accepts http for a loopback issuer', () => {
    assert.equal(parseProvisioning(upstream({ issuer: 'http://127.0.0.1:9000/idp' })).communities[0]!.upstreams[0]!.issuer, 'http://127.0.0.1:9000/idp');
  });

  it('reads idp:NAME among the acr values', () => {
    assert.equal(requestedIdp('idp:corp'), 'corp');
    assert.equal(requestedIdp('urn:mace:incommon:iap:silver idp:corp'), 'corp');
    assert.equal(requestedIdp('tenant:x'), undefined);
    assert.equal(requestedIdp('idp:'), undefined);
    assert.equal(requestedIdp(undefined), undefined);
  });
});
