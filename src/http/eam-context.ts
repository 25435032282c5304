/**
 * GET {issuer}/v1/interaction/{uid}/eam-context (seed API "EAM Context"): the Entra identity (`oid`, `tid`) of a live
 * Entra EAM interaction, from the validated id_token_hint kept on the interaction record; never sent to the browser.
 * Service authentication with the encrypted scheme only (publickey, licensekey, requestid), by a license of the same
 * community or a system license. 401 (with WWW-Authenticate) without valid credentials; 404 for anything else —
 * an unknown, expired or finished interaction, one that is not an EAM interaction, one of another community, and a
 * license of another community (the seed API answers 200, 401 or 404 only). Every answer is audit-logged.
 */
import type { FastifyInstance } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { authenticateService, ServiceApiError } from '../service/authenticate.js';
import type { ServiceKeyPair } from '../service/key-pair.js';
import { parseEamContext } from '../eam/context.js';
import { communityOf, sendJson } from './respond.js';

const NOT_FOUND = 'no live external authentication interaction has this uid';

export function eamContextRoutes(api: FastifyInstance, provider: Provider, keyPair: ServiceKeyPair): void {
  api.get('/oauth2/community/:community/v1/interaction/:uid/eam-context', async (request, reply) => {
    const community = await communityOf(provider, request);
    const caller = await authenticateService(provider, keyPair, request.headers, { kind: 'community', community: community.name }).catch((err: unknown) => {
      throw err instanceof ServiceApiError && err.statusCode === 403 ? new ServiceApiError(404, NOT_FOUND) : err;
    });
    if (caller.scheme !== 'encrypted') throw new ServiceApiError(401, 'eam-context needs the encrypted scheme (publickey, licensekey and requestid headers)');
    const { uid } = request.params as { uid: string };
    const row = /^[A-Za-z0-9_-]{1,64}$/.test(uid) ? await provider.shortLived.findLiveInteraction(community.id, uid, provider.clock.now()) : undefined;
    const context = parseEamContext(row?.eam);
    const audit = { audit: 'eam-context', license: caller.license.tag, appid: caller.appid, community: community.name, uid: uid.slice(0, 64) };
    if (!context) {
      provider.log.info({ ...audit, found: false }, 'service api: eam-context');
      throw new ServiceApiError(404, NOT_FOUND);
    }
    provider.log.info({ ...audit, found: true, client_request_id: context.client_request_id }, 'service api: eam-context');
    return sendJson(reply, { oid: context.oid, tid: context.tid });
  });
}
