/**
 * Validation of Microsoft Entra's EAM id_token_hint against a fake Entra on 127.0.0.1 (its own RSA keys, metadata
 * and JWKS): success, wrong tenant, wrong audience, bad signature, another algorithm, stale or future iat, missing
 * claims, and a key Entra rotated in after the JWKS was fetched.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EntraHintError, EntraMetadataCache, validateEntraHint, type EamSettings } from '../../src/eam/entra-hint.js';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const OTHER_TENANT = '99999999-2222-3333-4444-555555555555';
const APP_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

describe('Entra id_token_hint validation', () => {
  let entra: FakeEntra;
  let settings: EamSettings;
  const now = Math.floor(Date.now() / 1000);
  const cache = new EntraMetadataCache(2000, 0);

  before(async () => {
    entra = await startFakeEntra();
    settings = { entra_app_id: APP_ID, allowed_tenant_ids: [TENANT], entra_metadata_url: entra.metadataUrl };
  });
  after(() => entra.close());

  const refused = async (hint: string, message: RegExp, with_: EamSettings = settings) =>
    assert.rejects(validateEntraHint(hint, with_, now, cache), (err: unknown) => err instanceof EntraHintError && message.test(err.message));

  it('accepts a fresh hint of an allowed tenant for the App ID, though it is expired by design', async () => {
    const oid = '0a0b0c0d-0000-4000-8000-000000000001';
    const hint = await entra.hint({ tid: TENANT, aud: APP_ID, now, claims: { oid, sub: 'pairwise-sub' } });
    const result = await validateEntraHint(hint, settings, now, cache);
    assert.deepEqual(result, { sub: 'pairwise-sub', oid, tid: TENANT, preferred_username: 'alice@contoso.example' });
  });

  it('refuses another tenant, another audience, a foreign signature, PS256, and a forged issuer', async () => {
    await refused(await entra.hint({ tid: OTHER_TENANT, aud: APP_ID, now }), /tenant this client does not allow/);
    await refused(await entra.hint({ tid: TENANT, aud: 'ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee', now }), /aud is not the Entra App ID/);
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, key: 'stranger' }), /signature/);
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, alg: 'PS256' }), /must be RS256/);
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, claims: { iss: `https://login.microsoftonline.com/${TENANT}/v2.0` } }), /iss does not match/);
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, claims: { iss: entra.metadataUrl.replace('/common/v2.0/.well-known/openid-configuration', `/${OTHER_TENANT}/v2.0`) } }), /iss does not match/);
  });

  it('refuses stale, future and incomplete hints', async () => {
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, age: 601 }), /not fresh/);
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, age: -121 }), /not fresh/);
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, claims: { nbf: now + 600 } }), /not yet valid/);
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, claims: { oid: 'not-a-guid' } }), /lacks sub, oid or tid/);
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, claims: { sub: '' } }), /lacks sub, oid or tid/);
    await refused(await entra.hint({ tid: TENANT, aud: APP_ID, now, claims: { ver: '1.0' } }), /ver must be 2.0/);
    await refused('not.a.jwt', /not a JWS/);
  });

  it('fetches Entra’s keys again when a hint names a kid it has not seen', async () => {
    await validateEntraHint(await entra.hint({ tid: TENANT, aud: APP_ID, now }), settings, now, cache);
    const before = entra.jwksFetches();
    await entra.rotate();
    await validateEntraHint(await entra.hint({ tid: TENANT, aud: APP_ID, now }), settings, now, cache);
    assert.equal(entra.jwksFetches(), before + 1);
  });

  it('an unreachable metadata URL is an error, not a hang', async () => {
    const hint = await entra.hint({ tid: TENANT, aud: APP_ID, now });
    await assert.rejects(validateEntraHint(hint, { ...settings, entra_metadata_url: 'http://127.0.0.1:9/metadata' }, now, cache));
  });
});
