/**
 * The service API of the seed reference (issue 6), outside any community:
 *   GET /oauth2/publickeys, GET /oauth2/sd (public); GET /oauth2/environment (any license);
 *   GET /oauth2/servicekeys, DELETE /oauth2/servicekey/{keyId} | ?keyId= (system license);
 *   POST /oauth2/ecdsa_helper/{encrypt|decrypt} (any license; SERVICE_ECDSA_HELPER).
 * Errors use the reference's body `{statusCode, error, message}`. Credentials and bodies are never logged; every
 * service key operation is audit-logged with the license tag and key ids (hashes), never a secret.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { BUILD_VERSION } from '../version.js';
import { isDatabaseUnavailable } from '../store/database.js';
import { listServiceKeys, replaceServiceKey } from '../store/service-api.js';
import { unseal } from '../keys/sealing.js';
import { authenticateService, ServiceApiError, type Requirement, type ServiceCaller } from '../service/authenticate.js';
import type { ServiceKeyPair } from '../service/key-pair.js';
import { decrypt, EcdhError, encrypt, sharedKey } from '../service/ecdh.js';
import { newServiceKey } from '../service/licenses.js';
import { noStore } from './respond.js';
import { OAuthError } from '../oauth/errors.js';
import { externalLoginRoutes } from './external-login.js';
import { eamContextRoutes } from './eam-context.js';

/** Largest dataStr the helper accepts (characters). */
const MAX_HELPER_DATA = 32 * 1024;

export function sendServiceError(reply: FastifyReply, err: ServiceApiError): FastifyReply {
  if (err.statusCode === 401) reply.header('www-authenticate', 'license');
  return noStore(reply).code(err.statusCode).type('application/json').send(JSON.stringify(err.toJSON()));
}

function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  return noStore(reply).type('application/json').send(JSON.stringify(body));
}

/** Errors of a service API route (also malformed JSON bodies) in the reference's format. */
export function serviceErrorHandler(provider: Provider) {
  return (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ServiceApiError) return sendServiceError(reply, err);
    if (err instanceof OAuthError && err.status < 500) {
      const code = err.status === 404 ? 404 : err.status === 401 ? 401 : err.status === 403 ? 403 : 400;
      return sendServiceError(reply, new ServiceApiError(code, err.description));
    }
    const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status === 413) return noStore(reply).code(413).type('application/json').send(JSON.stringify({ statusCode: 413, error: 'Payload Too Large', message: 'the request body is too large' }));
    if (status >= 400 && status < 500) return sendServiceError(reply, new ServiceApiError(400, 'the request is not valid JSON or not a JSON object'));
    if (isDatabaseUnavailable(err)) {
      reply.header('retry-after', '1');
      return noStore(reply).code(503).type('application/json').send(JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'the service is temporarily unavailable, retry shortly' }));
    }
    provider.log.error({ err: err.message, method: request.method, url: request.url.split('?')[0] }, 'unhandled error in the service API');
    return noStore(reply).code(500).type('application/json').send(JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: 'the server failed to handle the request' }));
  };
}

export function serviceApiRoutes(api: FastifyInstance, provider: Provider, keyPair: ServiceKeyPair): void {
  const { serviceApi } = provider.config;
  const authenticated = (requirement: Requirement) => (request: FastifyRequest) => authenticateService(provider, keyPair, request.headers, requirement);
  const anyLicense = authenticated({ kind: 'any' });
  const systemLicense = authenticated({ kind: 'system' });
  const audit = (caller: ServiceCaller, action: string, details: Record<string, unknown>) =>
    provider.log.info({ audit: action, license: caller.license.tag, authLevel: caller.license.authLevel, scheme: caller.scheme, appid: caller.appid, ...details }, `service api: ${action}`);

  const publicKeys = Buffer.from(JSON.stringify({ publicKey: keyPair.publicKey }));
  api.get('/oauth2/publickeys', async (_request, reply) => reply.header('cache-control', 'public, max-age=600').type('application/json').send(publicKeys));

  const directory = Buffer.from(JSON.stringify(serviceApi.directory));
  api.get('/oauth2/sd', async (_request, reply) => reply.header('cache-control', 'public, max-age=600').type('application/json').send(directory));

  api.get('/oauth2/environment', async (request, reply) => {
    await anyLicense(request);
    return sendJson(reply, {
      allowed_time_span: serviceApi.allowedTimeSpan,
      EC_CURVE_NAME: serviceApi.curve,
      version: BUILD_VERSION,
      publicKey: keyPair.publicKey,
      oauth2: serviceApi.directory.oauth2,
      ecdsa_helper: serviceApi.ecdsaHelper,
    });
  });

  api.get('/oauth2/servicekeys', async (request, reply) => {
    const caller = await systemLicense(request);
    const rows = await listServiceKeys(provider.db);
    audit(caller, 'servicekeys.list', { count: rows.length });
    return sendJson(reply, rows.map((r) => ({ tag: r.tag, keyId: r.key_id, keySecret: unseal(provider.secrets.sealing, r.secret_sealed), type: r.type })));
  });

  const reset = async (request: FastifyRequest, reply: FastifyReply, keyId: unknown) => {
    const caller = await systemLicense(request);
    if (typeof keyId !== 'string' || !/^[0-9a-f]{128}$/.test(keyId)) throw new ServiceApiError(400, 'keyId must be the 128 hex characters of a service key id');
    const now = provider.clock.now();
    let secret = '';
    const row = await replaceServiceKey(provider.db, keyId, (old) => {
      const fresh = newServiceKey(provider, old.tag, old.type, now, old.provisioned_id);
      secret = fresh.secret;
      return fresh.row;
    });
    if (!row) {
      audit(caller, 'servicekey.reset.not_found', { keyId: keyId.slice(0, 16) });
      throw new ServiceApiError(404, 'no service key has this keyId');
    }
    audit(caller, 'servicekey.reset', { tag: row.tag, oldKeyId: keyId.slice(0, 16), newKeyId: row.key_id.slice(0, 16) });
    return sendJson(reply, { tag: row.tag, keyId: row.key_id, keySecret: secret, type: row.type });
  };
  api.delete('/oauth2/servicekey/:keyId', async (request, reply) => reset(request, reply, (request.params as { keyId?: unknown }).keyId));
  api.delete('/oauth2/servicekey', async (request, reply) => {
    const keyId = (request.query as { keyId?: unknown }).keyId;
    if (keyId === undefined) {
      await systemLicense(request);
      throw new ServiceApiError(400, 'keyId is required');
    }
    return reset(request, reply, keyId);
  });

  externalLoginRoutes(api, provider, keyPair);
  eamContextRoutes(api, provider, keyPair);

  api.post('/oauth2/ecdsa_helper/:method', async (request, reply) => {
    if (!serviceApi.ecdsaHelper) throw new ServiceApiError(404, 'the ecdsa_helper endpoint is switched off on this deployment');
    await anyLicense(request);
    const { method } = request.params as { method: string };
    if (method !== 'encrypt' && method !== 'decrypt') throw new ServiceApiError(400, 'method must be encrypt or decrypt');
    const body = request.body as Record<string, unknown> | null | undefined;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ServiceApiError(400, 'the body must be a JSON object {dataStr, publicKey, privateKey}');
    const { dataStr, publicKey, privateKey } = body;
    if (typeof dataStr !== 'string' || typeof publicKey !== 'string' || typeof privateKey !== 'string') throw new ServiceApiError(400, 'dataStr, publicKey and privateKey must be strings');
    if (dataStr.length > MAX_HELPER_DATA) throw new ServiceApiError(400, `dataStr must be at most ${MAX_HELPER_DATA} characters`);
    try {
      const key = sharedKey(privateKey, publicKey, serviceApi.curve);
      const data = method === 'encrypt' ? encrypt(dataStr, key) : decrypt(dataStr, key, 'dataStr');
      return sendJson(reply, { data });
    } catch (err) {
      if (err instanceof EcdhError) throw new ServiceApiError(400, err.message);
      throw err;
    }
  });
}
