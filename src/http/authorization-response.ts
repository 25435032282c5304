/**
 * Sends an authorization response (oauth/authorize/response.ts): a 303 redirect for the query and fragment modes, the
 * auto-submitting form_post page (ui/form-post.ts) otherwise. Never cached.
 */
import type { FastifyReply } from 'fastify';
import { responseLocation, type AuthorizationResponse } from '../oauth/authorize/response.js';
import { formPostPage } from '../ui/form-post.js';
import { noStore, sendPage } from './respond.js';

/** A form_post page POSTing `params` to `action` (a validated redirect URI), with its nonce CSP and no-store. */
export function sendFormPost(reply: FastifyReply, action: string, params: Iterable<readonly [string, string]>): FastifyReply {
  return sendPage(reply, formPostPage(action, params));
}

export function sendAuthorizationResponse(reply: FastifyReply, response: AuthorizationResponse): FastifyReply {
  if (response.mode === 'form_post') return sendFormPost(reply, response.redirectUri, response.params);
  return noStore(reply).redirect(responseLocation(response), 303);
}
