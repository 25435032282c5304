/**
 * Test support for Entra EAM (issue 7): a provisioning file with an EAM client (pointing at a fake Entra) and users
 * linked to Entra identities, the form Entra POSTs, and the reading of a form_post page.
 */
import { ACME_LICENSE, serviceProvisioning } from './service-client.js';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const OTHER_TENANT = '99999999-2222-3333-4444-555555555555';
export const APP_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
export const ALICE_OID = '0a0b0c0d-0000-4000-8000-00000000a11c';
export const BOB_OID = '0a0b0c0d-0000-4000-8000-000000000b0b';
export const UNREACHABLE_CLIENT = 'entra-unreachable';
export const ENTRA_CALLBACK = 'https://login.microsoftonline.com/common/federation/externalauthprovider';
/** What Entra asks for (MS-EAM's example). */
export const CLAIMS = JSON.stringify({
  id_token: {
    acr: { essential: true, values: ['possessionorinherence'] },
    amr: { essential: true, values: ['face', 'fido', 'fpt', 'hwk', 'iris', 'otp', 'pop', 'retina', 'sc', 'sms', 'swk', 'tel', 'vbm'] },
  },
});
export { ACME_LICENSE };

export interface EamFixtureOptions {
  metadataUrl: string;
  redirectUri?: string;
  /** Extra fields for alice (e.g. a pre-enrolled TOTP secret). */
  alice?: Record<string, unknown>;
  linkBy?: 'none' | 'username';
}

export function eamProvisioning(options: EamFixtureOptions): Record<string, unknown> {
  const file = serviceProvisioning(options.linkBy ? { eam: { link_by: options.linkBy } } : {});
  const communities = file.communities as Record<string, unknown>[];
  const acme = communities[0]!;
  acme.clients = [
    ...(acme.clients as Record<string, unknown>[]),
    {
      client_id: APP_ID,
      client_name: 'Microsoft Entra ID',
      redirect_uris: [options.redirectUri ?? ENTRA_CALLBACK],
      grant_types: [],
      token_endpoint_auth_method: 'none',
      scope: 'openid',
      eam: { entra_app_id: APP_ID, allowed_tenant_ids: [TENANT], entra_metadata_url: options.metadataUrl },
    },
    {
      // Entra's metadata unreachable (nothing listens on port 9).
      client_id: UNREACHABLE_CLIENT,
      redirect_uris: [options.redirectUri ?? ENTRA_CALLBACK],
      grant_types: [],
      token_endpoint_auth_method: 'none',
      scope: 'openid',
      eam: { entra_app_id: APP_ID, allowed_tenant_ids: [TENANT], entra_metadata_url: 'http://127.0.0.1:9/common/v2.0/.well-known/openid-configuration' },
    },
  ];
  acme.users = (acme.users as Record<string, unknown>[]).map((u) =>
    u.username === 'alice' ? { ...u, external_ids: [{ oid: ALICE_OID, tid: TENANT }], ...options.alice } : u,
  );
  (acme.users as Record<string, unknown>[]).push({ username: 'carol@contoso.example', password: 'carol-password-1234', claims: {} });
  communities.push({ name: 'other', clients: [], users: [] });
  return file;
}

/** The form Entra's page POSTs to the authorization endpoint. */
export function entraForm(hint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    scope: 'openid',
    response_type: 'id_token',
    response_mode: 'form_post',
    client_id: APP_ID,
    redirect_uri: ENTRA_CALLBACK,
    nonce: 'nonce-from-entra',
    state: 'state-from-entra',
    id_token_hint: hint,
    claims: CLAIMS,
    'client-request-id': 'b3a6f7a0-0000-4000-8000-00000000c1d0',
    ...extra,
  };
}

const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The target and fields of a form_post page (an auto-submitting form). */
export function formPost(html: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*\saction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error(`not a form_post page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input[^>]*\sname="([^"]+)"[^>]*\svalue="([^"]*)"[^>]*>/g)) fields[m[1]!] = unescape(m[2]!);
  return { action: unescape(form[1]!), fields };
}
