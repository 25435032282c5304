/**
 * The browser side of Microsoft Entra external authentication (src/eam/):
 * - POST (or GET) {issuer}/v1/authorize by an EAM client: validated by eam/authorize.ts; an untrusted client or
 *   redirect_uri gets an error page, every later error is form-POSTed back to Entra; on success the browser goes to
 *   the interaction;
 * - the interaction page of an EAM interaction: who is signing in, the second factor, then the form_post of the ID
 *   token (or of `access_denied` when the user cancels).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import type { Params } from '../oauth/params.js';
import { OAuthError } from '../oauth/errors.js';
import { RedirectableError } from '../oauth/authorize/pipeline.js';
import { INTERACTION_COOKIE, checkCsrf, interactionPath, type Interaction } from '../identity/interaction.js';
import { findUserById } from '../store/users.js';
import { eamAuthorize, isEamClient } from '../eam/authorize.js';
import { cancelEam, eamContextOf, eamResponseParams, finishEam, type EamResponse } from '../eam/finish.js';
import { checkEamCode, eamFactors } from '../eam/second-factor.js';
import { eamPage } from '../ui/eam-pages.js';
import { errorPage } from '../ui/pages.js';
import type { Message, Translator } from '../ui/i18n.js';
import { retryMessage } from '../identity/throttle.js';
import { cookieOptions, formParams, noStore, pageTranslator, sendPage } from './respond.js';
import { passkeyStepPath } from './passkeys.js';
import { sendFormPost } from './authorization-response.js';

/** MS-EAM: the answer is form-POSTed with exactly its fields (no `iss`). */
export function sendEamResponse(reply: FastifyReply, response: EamResponse): FastifyReply {
  return sendFormPost(reply, response.redirectUri, eamResponseParams(response));
}

/** Handles the request when its client is an EAM client; undefined otherwise (the usual authorization flow). */
export async function eamAuthorizeResponse(provider: Provider, community: Community, params: Params, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  let clientId: string | undefined;
  try {
    clientId = params.get('client_id');
  } catch {
    return undefined;
  }
  const client = clientId !== undefined && clientId.length <= 4096 ? await provider.registry.client(community, clientId) : undefined;
  if (!client || !isEamClient(client)) return undefined;
  try {
    const { uid, browserToken } = await eamAuthorize(provider, community, client, params);
    const path = interactionPath(community, uid);
    reply.setCookie(INTERACTION_COOKIE, browserToken, cookieOptions(provider, path, provider.config.lifetimes.interaction));
    return noStore(reply).redirect(path, 303);
  } catch (err) {
    if (err instanceof RedirectableError) {
      const { cause, redirectUri, state } = err;
      return sendEamResponse(reply, { redirectUri, values: { error: cause.error, error_description: cause.description, state } });
    }
    if (err instanceof OAuthError) return sendPage(reply, errorPage(pageTranslator(request), 400, err.error, { text: err.description }));
    throw err;
  }
}

async function render(provider: Provider, community: Community, interaction: Interaction, reply: FastifyReply, tr: Translator, error?: Message): Promise<FastifyReply> {
  const context = eamContextOf(interaction);
  const user = await findUserById(provider.db, community.id, context.user_id);
  return sendPage(
    reply,
    eamPage({
      tr,
      clientName: interaction.client.metadata.client_name ?? 'Microsoft Entra ID',
      username: user?.username ?? '',
      ...(context.preferred_username !== undefined ? { entraUsername: context.preferred_username } : {}),
      csrf: interaction.row.csrf,
      factors: await eamFactors(provider, community, interaction, context),
      passkeyUrl: passkeyStepPath(community, interaction.row.uid),
      ...(error !== undefined ? { error } : {}),
    }),
  );
}

export async function eamInteractionPage(provider: Provider, community: Community, interaction: Interaction, reply: FastifyReply, tr: Translator): Promise<FastifyReply> {
  return render(provider, community, interaction, reply, tr);
}

export async function eamInteractionSubmit(provider: Provider, community: Community, interaction: Interaction, request: FastifyRequest, reply: FastifyReply, tr: Translator): Promise<FastifyReply> {
  const form = formParams(request);
  checkCsrf(interaction, form.get('csrf'));
  noStore(reply);
  const context = eamContextOf(interaction);
  const step = form.get('step');
  // "Cancel" here or on the passkey step (which posts decision=deny): access_denied to Entra.
  if (step === 'cancel' || form.get('decision') === 'deny') {
    return sendEamResponse(reply, await cancelEam(provider, interaction, new OAuthError('access_denied', 'the user cancelled the second factor')));
  }
  if (step === 'totp') {
    const result = await checkEamCode(provider, community, interaction, context, form.get('code') ?? '', request.ip);
    if (result.ok) return sendEamResponse(reply, await finishEam(provider, community, interaction, result.amr));
    return render(provider, community, interaction, reply, tr, result.retryAfter !== undefined ? retryMessage(result.retryAfter) : 'mfa.wrongCode');
  }
  return render(provider, community, interaction, reply, tr);
}
