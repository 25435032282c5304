/** Shared edge helpers: protocol errors as JSON, pages with security headers, form parsing, the community lookup. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError, invalidRequest } from '../oauth/errors.js';
import { Params } from '../oauth/params.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { COMMUNITY_NAME } from '../provisioning/schema.js';
import type { Page } from '../ui/html.js';
import { translatorFor, type Translator } from '../ui/i18n.js';

const COMMUNITY_PATTERN = new RegExp(COMMUNITY_NAME);

export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** RFC 6749 §5.2 JSON error; invalid_client is 401 with a Basic challenge. */
export function sendOAuthError(reply: FastifyReply, err: OAuthError, realm = 'tessera'): FastifyReply {
  noStore(reply);
  if (err.status === 401 && err.error === 'invalid_client') reply.header('www-authenticate', `Basic realm="${realm}"`);
  return reply.code(err.status).type('application/json').send(JSON.stringify(err.toJSON()));
}

export function sendPage(reply: FastifyReply, page: Page): FastifyReply {
  return noStore(reply)
    .code(page.status)
    .header('content-security-policy', page.csp)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .type('text/html; charset=utf-8')
    .send(page.html);
}

export function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  return noStore(reply).type('application/json').send(JSON.stringify(body));
}

/** A form-encoded POST body (RFC 6749 §3.2). */
export function formParams(request: FastifyRequest): Params {
  const type = request.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw invalidRequest('the request body must be application/x-www-form-urlencoded');
  }
  return Params.from(request.body);
}

export function queryParams(request: FastifyRequest): Params {
  return Params.from(request.query);
}

export async function communityOf(provider: Provider, request: FastifyRequest): Promise<Community> {
  const name = (request.params as { community?: string }).community ?? '';
  const community = COMMUNITY_PATTERN.test(name) ? await provider.registry.get(name) : undefined;
  if (!community) throw new OAuthError('not_found', `community ${JSON.stringify(name.slice(0, 64))} does not exist`, 404);
  return community;
}

export function cookieOptions(provider: Provider, path: string, maxAge?: number) {
  return { path, httpOnly: true, sameSite: 'lax' as const, secure: provider.config.secureCookies, ...(maxAge !== undefined ? { maxAge } : {}) };
}

/**
 * The translator for a page: `uiLocales` when given (an interaction's stored request), else the request's own
 * `ui_locales` parameter (query or form), else Accept-Language (ui/i18n.ts).
 */
export function pageTranslator(request: FastifyRequest, uiLocales?: string): Translator {
  const fromRequest = (source: unknown) => {
    const value = typeof source === 'object' && source !== null ? (source as Record<string, unknown>).ui_locales : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  const header = request.headers['accept-language'];
  return translatorFor(uiLocales ?? fromRequest(request.query) ?? fromRequest(request.body), typeof header === 'string' ? header : undefined);
}
