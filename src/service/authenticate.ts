/**
 * Service authentication for the service API, the two schemes callers use:
 * - encrypted (what the client libraries send): `publickey` (the caller's public key), `licensekey` (the license key
 *   encrypted with the shared key) and `requestid` (encrypted JSON `{ts, uuid, appid, …}`). Both must decrypt,
 *   `|now − ts|` must be within the allowed time span, and `(publickey, uuid)` must not have been seen within the
 *   window (a replay cache in the short-lived store, so it holds across nodes with Redis);
 * - plain (the reference's curl examples; SERVICE_PLAIN_AUTH): a `license` header, and when `keyId`/`keySecret` are
 *   sent they must be a valid service key pair.
 * Authorisation always comes from the license (level, community, expiry, disabled), never from the caller's key.
 * Failures are ServiceApiError: 401 (missing or invalid credentials) or 403 (not permitted).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Provider } from '../runtime/provider.js';
import { decrypt, EcdhError, sharedKey } from './ecdh.js';
import { findLicense, verifyServiceKey, type License } from './licenses.js';
import type { ServiceKeyPair } from './key-pair.js';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' };

/** An error of the service API, sent as the reference's body `{statusCode, error, message}`. */
export class ServiceApiError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 409,
    message: string,
  ) {
    super(message);
  }

  toJSON(): { statusCode: number; error: string; message: string } {
    return { statusCode: this.statusCode, error: STATUS_TEXT[this.statusCode] ?? 'Error', message: this.message };
  }
}

export interface ServiceCaller {
  license: License;
  scheme: 'encrypted' | 'plain';
  /** Encrypted scheme: the caller's public key, the shared key, and its request id fields. */
  publicKey?: string;
  sharedKey?: Buffer;
  appid?: string;
  uuid?: string;
}

/** Community scope of a caller: system licenses reach every community, community licenses their own. */
export type Requirement = { kind: 'any' } | { kind: 'system' } | { kind: 'community'; community: string };

/** Names of the credential headers: never logged (see runtime/create-provider.ts). */
export const SERVICE_CREDENTIAL_HEADERS = ['publickey', 'licensekey', 'requestid', 'license', 'keyid', 'keysecret'] as const;

/** A namespace in the replay cache (the assertion-jti table or Redis keys) that no community id can take. */
const REPLAY_NAMESPACE = '_service_requestid';
const MAX_LICENSE_CIPHERTEXT = 1024;
const MAX_REQUESTID_CIPHERTEXT = 4096;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new ServiceApiError(401, `the ${name} header must not be repeated`);
  return value;
}

/** True when the request carries any service credential (used to route the external login UI's calls). */
export function hasServiceCredentials(headers: IncomingHttpHeaders): boolean {
  return headers.publickey !== undefined || headers.license !== undefined || headers.licensekey !== undefined;
}

interface RequestId {
  ts: number;
  uuid: string;
  appid: string;
}

function parseRequestId(plain: string): RequestId {
  let value: unknown;
  try {
    value = JSON.parse(plain);
  } catch {
    throw new ServiceApiError(401, 'requestid is not JSON');
  }
  const r = value as Partial<Record<keyof RequestId, unknown>> | null;
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new ServiceApiError(401, 'requestid must be a JSON object');
  if (typeof r.ts !== 'number' || !Number.isFinite(r.ts)) throw new ServiceApiError(401, 'requestid.ts must be a number (epoch seconds)');
  if (typeof r.uuid !== 'string' || r.uuid.length === 0 || r.uuid.length > 128) throw new ServiceApiError(401, 'requestid.uuid must be a string of at most 128 characters');
  if (typeof r.appid !== 'string' || r.appid.length > 256) throw new ServiceApiError(401, 'requestid.appid must be a string of at most 256 characters');
  return { ts: r.ts, uuid: r.uuid, appid: r.appid };
}

async function usableLicense(provider: Provider, key: string): Promise<License> {
  const license = await findLicense(provider, key);
  if (!license) throw new ServiceApiError(401, 'the license is not valid');
  if (license.disabled) throw new ServiceApiError(401, 'the license is disabled');
  if (license.expiry <= provider.clock.now()) throw new ServiceApiError(401, 'the license has expired');
  return license;
}

async function encryptedScheme(provider: Provider, keyPair: ServiceKeyPair, headers: IncomingHttpHeaders): Promise<ServiceCaller> {
  const publicKey = header(headers, 'publickey');
  const licenseKey = header(headers, 'licensekey');
  const requestId = header(headers, 'requestid');
  if (!publicKey || !licenseKey || !requestId) throw new ServiceApiError(401, 'publickey, licensekey and requestid headers are all required');
  let key: Buffer;
  let plainLicense: string;
  let plainRequestId: string;
  try {
    key = sharedKey(keyPair.privateKey, publicKey, keyPair.curve);
    plainRequestId = decrypt(requestId, key, 'requestid', MAX_REQUESTID_CIPHERTEXT);
    plainLicense = decrypt(licenseKey, key, 'licensekey', MAX_LICENSE_CIPHERTEXT);
  } catch (err) {
    if (err instanceof EcdhError) throw new ServiceApiError(401, err.message);
    throw err;
  }
  const request = parseRequestId(plainRequestId);
  const now = provider.clock.now();
  const span = provider.config.serviceApi.allowedTimeSpan;
  if (Math.abs(now - request.ts) > span) throw new ServiceApiError(401, `requestid.ts is more than ${span} seconds from now`);
  const license = await usableLicense(provider, plainLicense);
  // Recorded for twice the window: a (publickey, uuid) seen once is refused for as long as its ts could be accepted.
  const fresh = await provider.shortLived.recordAssertionJti(REPLAY_NAMESPACE, publicKey, request.uuid, now + 2 * span);
  if (!fresh) throw new ServiceApiError(401, 'requestid was already used (replay)');
  return { license, scheme: 'encrypted', publicKey, sharedKey: key, appid: request.appid, uuid: request.uuid };
}

async function plainScheme(provider: Provider, headers: IncomingHttpHeaders): Promise<ServiceCaller> {
  const licenseKey = header(headers, 'license');
  const keyId = header(headers, 'keyid');
  const keySecret = header(headers, 'keysecret');
  if (!licenseKey) throw new ServiceApiError(401, 'a license is required');
  if (keyId !== undefined || keySecret !== undefined) {
    if (!keyId || !keySecret || !(await verifyServiceKey(provider, keyId, keySecret))) throw new ServiceApiError(401, 'keyId and keySecret are not a valid service key');
  }
  return { license: await usableLicense(provider, licenseKey), scheme: 'plain' };
}

/** Authenticates the caller (either scheme) and checks the license meets `requirement`. */
export async function authenticateService(provider: Provider, keyPair: ServiceKeyPair, headers: IncomingHttpHeaders, requirement: Requirement): Promise<ServiceCaller> {
  let caller: ServiceCaller;
  if (headers.publickey !== undefined || headers.licensekey !== undefined || headers.requestid !== undefined) {
    caller = await encryptedScheme(provider, keyPair, headers);
  } else if (headers.license !== undefined || headers.keyid !== undefined || headers.keysecret !== undefined) {
    if (!provider.config.serviceApi.plainAuth) throw new ServiceApiError(401, 'plain license headers are not accepted here; use publickey, licensekey and requestid');
    caller = await plainScheme(provider, headers);
  } else {
    throw new ServiceApiError(401, 'service credentials are required (publickey, licensekey and requestid headers)');
  }
  authorise(caller.license, requirement);
  return caller;
}

export function authorise(license: License, requirement: Requirement): void {
  if (requirement.kind === 'any') return;
  if (license.authLevel === 'system') return;
  if (requirement.kind === 'system') throw new ServiceApiError(403, 'this operation needs a license of authLevel system');
  if (license.authLevel !== 'community' || license.community !== requirement.community) {
    throw new ServiceApiError(403, `the license is not valid for community ${JSON.stringify(requirement.community)}`);
  }
}
