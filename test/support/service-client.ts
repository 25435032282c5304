/**
 * Test support for the service API (issue 6): a provisioning file with licenses and service keys, and a caller
 * written the way the public client libraries do it (own secp256k1 key pair, shared key with the service's public
 * key from GET /publickeys, encrypted `publickey`/`licensekey`/`requestid` headers).
 */
import { randomUUID } from 'node:crypto';
import { fixture, type TestServer } from './server.js';
import { encrypt, generateKeyPair, sharedKey, type KeyPair } from '../../src/service/ecdh.js';

export const SYSTEM_LICENSE = 'lic-system-0123456789abcdefghijklmnopqrstuvwxyz';
export const SERVICE_LICENSE = 'lic-service-0123456789abcdefghijklmnopqrstuvwxyz';
export const ACME_LICENSE = 'lic-acme-0123456789abcdefghijklmnopqrstuvwxyz';
export const OTHER_LICENSE = 'lic-other-0123456789abcdefghijklmnopqrstuvwxyz';
export const EXPIRED_LICENSE = 'lic-expired-0123456789abcdefghijklmnopqrstuvwxyz';
export const DISABLED_LICENSE = 'lic-disabled-0123456789abcdefghijklmnopqrstuvwxyz';
export const ADMIN_SECRET = 'admin-api-secret-0123456789abcdefghijklmnop';
export const REPORTS_SECRET = 'reports-secret-0123456789abcdefghijklmnopqrs';

export function serviceProvisioning(extraCommunity: Record<string, unknown> = {}): Record<string, unknown> {
  const base = fixture();
  const communities = base.communities as Record<string, unknown>[];
  communities[0] = { ...communities[0], ...extraCommunity };
  return {
    ...base,
    licenses: [
      { key: SYSTEM_LICENSE, tag: 'ops', type: 'service', authLevel: 'system', expiry: '2099-01-01T00:00:00Z' },
      { key: SERVICE_LICENSE, tag: 'svc', authLevel: 'service', expiry: '2099-01-01T00:00:00Z' },
      { key: ACME_LICENSE, tag: 'acme-admin', authLevel: 'community', community: 'acme', expiry: '2099-01-01T00:00:00Z' },
      { key: OTHER_LICENSE, tag: 'other-admin', authLevel: 'community', community: 'other', expiry: '2099-01-01T00:00:00Z' },
      { key: EXPIRED_LICENSE, tag: 'old', authLevel: 'system', expiry: '2020-01-01T00:00:00Z' },
      { key: DISABLED_LICENSE, tag: 'off', authLevel: 'system', expiry: '2099-01-01T00:00:00Z', disabled: true },
    ],
    service_keys: [
      { tag: 'admin-api', type: 'service', keySecret: ADMIN_SECRET },
      { tag: 'reports', keySecret: REPORTS_SECRET },
    ],
  };
}

/** A caller the way the client libraries build one. */
export class ServiceClient {
  readonly keys: KeyPair = generateKeyPair('secp256k1');
  private shared: Buffer | undefined;

  constructor(
    private readonly server: TestServer,
    private readonly appid = 'com.example.test-helper',
  ) {}

  async sharedKey(): Promise<Buffer> {
    if (!this.shared) {
      const { publicKey } = (await (await fetch(`${this.server.base}/oauth2/publickeys`)).json()) as { publicKey: string };
      this.shared = sharedKey(this.keys.privateKey, publicKey, 'secp256k1');
    }
    return this.shared;
  }

  async headers(license: string, request: Record<string, unknown> = {}): Promise<Record<string, string>> {
    const key = await this.sharedKey();
    const requestId = { ts: this.server.clock.now(), uuid: randomUUID(), appid: this.appid, ...request };
    return { publickey: this.keys.publicKey, licensekey: encrypt(license, key), requestid: encrypt(JSON.stringify(requestId), key) };
  }

  async call(method: string, path: string, license: string, init: { body?: unknown; request?: Record<string, unknown> } = {}): Promise<Response> {
    const headers = await this.headers(license, init.request);
    return fetch(`${this.server.base}${path}`, {
      method,
      headers: { ...headers, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      redirect: 'manual',
    });
  }
}

