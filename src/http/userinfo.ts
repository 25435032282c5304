/** GET/POST {issuer}/v1/userinfo with a Bearer token (RFC 6750 §2.1 header, or §2.2 form body; not both). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import { OAuthError } from '../oauth/errors.js';
import { userinfo } from '../oauth/userinfo.js';
import { Params } from '../oauth/params.js';
import { communityOf, noStore, sendJson } from './respond.js';

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  let fromBody: string | undefined;
  if (request.method === 'POST' && (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    fromBody = Params.from(request.body).get('access_token');
  }
  if (header !== undefined) {
    // Only Bearer: Tessera issues no DPoP-bound tokens, so a DPoP-scheme request has no valid proof to honour.
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
    if (!match) throw new OAuthError('invalid_request', 'malformed Authorization header', 400);
    if (fromBody !== undefined) throw new OAuthError('invalid_request', 'send the access token once', 400);
    return match[1];
  }
  return fromBody;
}

function challenge(reply: FastifyReply, err: OAuthError | undefined, realm: string): FastifyReply {
  const parts = [`realm="${realm}"`];
  if (err) parts.push(`error="${err.error}"`, `error_description="${err.description}"`);
  return reply.header('www-authenticate', `Bearer ${parts.join(', ')}`);
}

export function userinfoRoutes(app: FastifyInstance, provider: Provider): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const community = await communityOf(provider, request);
    noStore(reply);
    try {
      const token = bearerToken(request);
      // RFC 6750 §3.1: no credentials at all → a bare challenge.
      if (token === undefined) return challenge(reply, undefined, community.issuer).code(401).send();
      return sendJson(reply, await userinfo(provider, community, token));
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      return challenge(reply, err, community.issuer).code(err.status).type('application/json').send(JSON.stringify(err.toJSON()));
    }
  };
  app.get('/oauth2/community/:community/v1/userinfo', handler);
  app.post('/oauth2/community/:community/v1/userinfo', handler);
}
