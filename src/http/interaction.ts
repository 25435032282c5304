/**
 * GET/POST {issuer}/v1/interaction/{uid}: the account chooser or the login form, (the passkey step,) then the consent
 * form, then the authorization response. Pages are in the request's language (ui_locales, else Accept-Language).
 * - the chooser shows when the authorization endpoint asked for one (prompt=select_account, or several accounts
 *   and none current) and the browser still has accounts; `?another=1` ("use another account") shows the login
 *   form instead, signing nobody out;
 * - POST `account=SID` picks one of the browser's accounts (it becomes the current one); POST
 *   `username`/`password` signs in (another user's session stays listed on the browser).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import {
  INTERACTION_COOKIE,
  InteractionError,
  checkCsrf,
  chooseAccount,
  finishInteraction,
  interactionPath,
  needsConsent,
  openInteraction,
  submitLogin,
  type Interaction,
} from '../identity/interaction.js';
import { browserAccounts } from '../identity/browser-accounts.js';
import { requestedTenant } from '../identity/acr.js';
import { selectAccount } from '../oauth/authorize/select-account.js';
import { claimsToConsent } from '../oauth/claims-request.js';
import { findUserById } from '../store/users.js';
import { consentPage, errorPage, loginPage } from '../ui/pages.js';
import { accountChooserPage } from '../ui/account-chooser.js';
import type { MessageId, Translator } from '../ui/i18n.js';
import { OAuthError } from '../oauth/errors.js';
import { communityOf, formParams, noStore, pageTranslator, sendPage } from './respond.js';
import { browserCookies, setCurrentSession } from './session-cookies.js';
import { upstreamButtonsFor } from './upstream.js';
import { sendAuthorizationResponse } from './authorization-response.js';
import { passkeyStepPath } from './passkeys.js';
import { passkeyPending } from '../identity/passkeys.js';

interface RenderOptions {
  error?: MessageId;
  username?: string;
  /** "use another account": the login form even when the chooser would show. */
  another?: boolean;
}

async function render(provider: Provider, community: Community, interaction: Interaction, request: FastifyRequest, reply: FastifyReply, tr: Translator, options: RenderOptions = {}) {
  const clientName = interaction.client.metadata.client_name ?? interaction.client.metadata.client_id;
  if (!interaction.login) {
    if (!options.another && options.username === undefined) {
      const accounts = await browserAccounts(provider, community, browserCookies(request));
      const users = await Promise.all(accounts.map((a) => findUserById(provider.db, community.id, a.session.user_id)));
      // The same rule as the authorization endpoint's (which started this interaction).
      if (accounts.length > 0 && selectAccount(interaction.request, accounts, users.map((u) => u?.username)).kind === 'choose') {
        const listed = accounts.map((a, i) => {
          const name = users[i] ? (JSON.parse(users[i]!.claims) as Record<string, unknown>).name : undefined;
          return { sid: a.session.sid, username: users[i]?.username ?? a.session.user_id, ...(typeof name === 'string' ? { name } : {}) };
        });
        const anotherAccountUrl = `${interactionPath(community, interaction.row.uid)}?another=1`;
        return sendPage(reply, accountChooserPage({ tr, clientName, csrf: interaction.row.csrf, accounts: listed, anotherAccountUrl }));
      }
    }
    const upstreams = await upstreamButtonsFor(provider, community, interaction, tr);
    const tenant = requestedTenant(interaction.request.acr_values);
    return sendPage(
      reply,
      loginPage({ tr, communityName: community.name, clientName, csrf: interaction.row.csrf, username: options.username ?? interaction.request.login_hint, upstreams, ...(options.error ? { error: options.error } : {}), ...(tenant ? { tenant } : {}) }),
    );
  }
  // Interim (until the MFA policy page): a user with passkeys signs in with password + passkey.
  if (await passkeyPending(provider, community, interaction.login)) return reply.redirect(passkeyStepPath(community, interaction.row.uid), 303);
  const user = await findUserById(provider.db, community.id, interaction.login.userId);
  return sendPage(reply, consentPage({ tr, clientName, username: user?.username ?? '', scopes: interaction.request.scope, claims: claimsToConsent(interaction.request.claims), csrf: interaction.row.csrf }));
}

export function interactionRoutes(app: FastifyInstance, provider: Provider): void {
  const path = '/oauth2/community/:community/v1/interaction/:uid';
  const load = async (request: FastifyRequest) => {
    const community = await communityOf(provider, request);
    const { uid } = request.params as { uid: string };
    const interaction = await openInteraction(provider, community, uid, request.cookies[INTERACTION_COOKIE]);
    return { community, interaction, tr: pageTranslator(request, interaction.request.ui_locales) };
  };
  const guard = (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await handler(request, reply);
    } catch (err) {
      if (err instanceof InteractionError) return sendPage(reply, errorPage(pageTranslator(request), 400, 'invalid_request', err.messageId));
      if (err instanceof OAuthError && err.status !== 404) return sendPage(reply, errorPage(pageTranslator(request), err.status, err.error, { text: err.description }));
      throw err;
    }
  };
  const another = (request: FastifyRequest) => (request.query as Record<string, unknown>).another === '1';

  app.get(path, guard(async (request, reply) => {
    const { community, interaction, tr } = await load(request);
    return render(provider, community, interaction, request, reply, tr, { another: another(request) });
  }));

  app.post(path, guard(async (request, reply) => {
    const { community, interaction, tr } = await load(request);
    const form = formParams(request);
    checkCsrf(interaction, form.get('csrf'));
    noStore(reply);
    if (!interaction.login) {
      const cookies = browserCookies(request);
      const account = form.get('account');
      if (account !== undefined) {
        const chosen = await chooseAccount(provider, community, interaction, account, cookies);
        if (chosen.kind === 'login') return render(provider, community, interaction, request, reply, tr, { username: chosen.username });
        setCurrentSession(reply, provider, community, cookies, chosen.cookie, cookies.session);
      } else {
        const username = form.get('username') ?? '';
        const result = await submitLogin(provider, community, interaction, username, form.get('password') ?? '', cookies.session);
        if (!result.ok) return render(provider, community, interaction, request, reply, tr, { error: 'login.failed', username });
        setCurrentSession(reply, provider, community, cookies, result.cookie, result.kept);
      }
      // Post/Redirect/Get: show the consent page (or the passkey step) on its own GET.
      if ((await needsConsent(provider, community, interaction)) || (await passkeyPending(provider, community, interaction.login!))) {
        return reply.redirect(interactionPath(community, interaction.row.uid), 303);
      }
      return sendAuthorizationResponse(reply, await finishInteraction(provider, community, interaction, 'allow'));
    }
    const decision = form.get('decision');
    if (decision !== 'allow' && decision !== 'deny') return render(provider, community, interaction, request, reply, tr);
    if (decision === 'allow' && (await passkeyPending(provider, community, interaction.login))) return reply.redirect(passkeyStepPath(community, interaction.row.uid), 303);
    return sendAuthorizationResponse(reply, await finishInteraction(provider, community, interaction, decision));
  }));
}
