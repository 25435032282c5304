/**
 * GET/POST {issuer}/v1/interaction/{uid}: the account chooser or the login form, the second step when one is needed
 * (identity/mfa-policy.ts: a TOTP or recovery code, a link to the passkey step of http/passkeys.ts, or TOTP enrolment
 * when one is required and none is set up), then the consent form, then the authorization response. Pages are in the
 * request's language (ui_locales, else Accept-Language). The device cookie (identity/throttle.ts) is set once a
 * sign-in has every factor it needs.
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
import { communityCookiePath } from '../identity/sessions.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, deviceToken, isTrustedDevice, retryMessage } from '../identity/throttle.js';
import { secondFactorNeed, type SecondFactorNeed } from '../identity/mfa-policy.js';
import { checkCode, completeSecondFactor } from '../identity/second-factor.js';
import { pendingEnrolment } from '../identity/totp.js';
import { regenerateRecoveryCodes } from '../identity/recovery-codes.js';
import { browserAccounts } from '../identity/browser-accounts.js';
import { requestedTenant } from '../identity/acr.js';
import { selectAccount } from '../oauth/authorize/select-account.js';
import { claimsToConsent } from '../oauth/claims-request.js';
import { findUserById } from '../store/users.js';
import { consentPage, errorPage, loginPage } from '../ui/pages.js';
import { accountChooserPage } from '../ui/account-chooser.js';
import { enrolDuringLoginPage, noFactorPage, recoveryCodesPage, secondFactorPage } from '../ui/mfa-pages.js';
import type { Message, Translator } from '../ui/i18n.js';
import { OAuthError } from '../oauth/errors.js';
import { communityOf, cookieOptions, formParams, noStore, pageTranslator, sendPage } from './respond.js';
import { browserCookies, setCurrentSession } from './session-cookies.js';
import { upstreamButtonsFor } from './upstream.js';
import { eamInteractionPage, eamInteractionSubmit } from './eam.js';
import { sendAuthorizationResponse } from './authorization-response.js';
import { passkeyStepPath } from './passkeys.js';

interface RenderOptions {
  error?: Message;
  username?: string;
  /** "use another account": the login form even when the chooser would show. */
  another?: boolean;
  /** The second step asks for a recovery code instead of a TOTP code. */
  recovery?: boolean;
}

async function pendingNeed(provider: Provider, community: Community, interaction: Interaction): Promise<SecondFactorNeed | undefined> {
  return interaction.login ? secondFactorNeed(provider, community, interaction.client, interaction.request, interaction.login) : undefined;
}

async function renderSecondStep(provider: Provider, community: Community, interaction: Interaction, need: SecondFactorNeed, reply: FastifyReply, tr: Translator, options: RenderOptions) {
  const clientName = interaction.client.metadata.client_name ?? interaction.client.metadata.client_id;
  const csrf = interaction.row.csrf;
  const error = options.error ? { error: options.error } : {};
  const passkey = need.available.includes('fido') ? passkeyStepPath(community, interaction.row.uid) : undefined;
  if (need.available.includes('otp')) {
    const path = interactionPath(community, interaction.row.uid);
    const links = { totp: path, recovery: `${path}?use=recovery`, ...(passkey ? { passkey } : {}) };
    return sendPage(reply, secondFactorPage({ tr, clientName, csrf, mode: options.recovery ? 'recovery' : 'totp', links, ...error }));
  }
  // Passkeys only: their own page (http/passkeys.ts).
  if (passkey) return reply.redirect(passkey, 303);
  if (need.enrolOtp) {
    const user = await findUserById(provider.db, community.id, interaction.login!.userId);
    const enrolment = user ? await pendingEnrolment(provider, community, user.id, user.username) : undefined;
    if (enrolment) return sendPage(reply, enrolDuringLoginPage({ tr, clientName, csrf, enrolment, ...error }));
  }
  return sendPage(reply, noFactorPage(tr));
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
  const need = await pendingNeed(provider, community, interaction);
  if (need) return renderSecondStep(provider, community, interaction, need, reply, tr, options);
  const user = await findUserById(provider.db, community.id, interaction.login.userId);
  return sendPage(reply, consentPage({ tr, clientName, username: user?.username ?? '', scopes: interaction.request.scope, claims: claimsToConsent(interaction.request.claims), csrf: interaction.row.csrf }));
}

/**
 * The sign-in has every factor it needs: marks this browser as a known device of the account (identity/throttle.ts),
 * then the consent page (on its own GET) or the redirect to the client. Also used after a passkey (http/passkeys.ts).
 */
export async function continueSignIn(provider: Provider, request: FastifyRequest, reply: FastifyReply, community: Community, interaction: Interaction): Promise<FastifyReply> {
  const user = await findUserById(provider.db, community.id, interaction.login!.userId);
  if (user) reply.setCookie(DEVICE_COOKIE, deviceToken(provider, community, user.username), cookieOptions(provider, communityCookiePath(community), DEVICE_COOKIE_MAX_AGE));
  if (await needsConsent(provider, community, interaction)) return reply.redirect(interactionPath(community, interaction.row.uid), 303);
  return sendAuthorizationResponse(reply, await finishInteraction(provider, community, interaction, 'allow'));
}

/** The community, the interaction of the `:uid` route parameter (bound to this browser) and the page translator. */
export async function loadInteraction(provider: Provider, request: FastifyRequest): Promise<{ community: Community; interaction: Interaction; tr: Translator }> {
  const community = await communityOf(provider, request);
  const { uid } = request.params as { uid: string };
  const interaction = await openInteraction(provider, community, uid, request.cookies[INTERACTION_COOKIE]);
  return { community, interaction, tr: pageTranslator(request, interaction.request.ui_locales) };
}

/** Interaction routes answer a dead interaction or a refused request with an error page (never a 5xx, never a redirect). */
export function interactionGuard(handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      return await handler(request, reply);
    } catch (err) {
      if (err instanceof InteractionError) return sendPage(reply, errorPage(pageTranslator(request), 400, 'invalid_request', err.messageId));
      if (err instanceof OAuthError && err.status !== 404) return sendPage(reply, errorPage(pageTranslator(request), err.status, err.error, { text: err.description }));
      throw err;
    }
  };
}

export function interactionRoutes(app: FastifyInstance, provider: Provider): void {
  const path = '/oauth2/community/:community/v1/interaction/:uid';
  const load = (request: FastifyRequest) => loadInteraction(provider, request);
  const another = (request: FastifyRequest) => (request.query as Record<string, unknown>).another === '1';

  app.get(path, interactionGuard(async (request, reply) => {
    const { community, interaction, tr } = await load(request);
    if (interaction.row.eam) return eamInteractionPage(provider, community, interaction, reply, tr);
    const { use } = request.query as { use?: unknown };
    return render(provider, community, interaction, request, reply, tr, { another: another(request), recovery: use === 'recovery' });
  }));

  app.post(path, interactionGuard(async (request, reply) => {
    const { community, interaction, tr } = await load(request);
    if (interaction.row.eam) return eamInteractionSubmit(provider, community, interaction, request, reply, tr);
    const form = formParams(request);
    checkCsrf(interaction, form.get('csrf'));
    noStore(reply);
    const deviceCookie = request.cookies[DEVICE_COOKIE];
    if (!interaction.login) {
      const cookies = browserCookies(request);
      const account = form.get('account');
      if (account !== undefined) {
        const chosen = await chooseAccount(provider, community, interaction, account, cookies);
        if (chosen.kind === 'login') return render(provider, community, interaction, request, reply, tr, { username: chosen.username });
        setCurrentSession(reply, provider, community, cookies, chosen.cookie, cookies.session);
      } else {
        const username = form.get('username') ?? '';
        const result = await submitLogin(provider, community, interaction, username, form.get('password') ?? '', cookies.session, { address: request.ip, deviceCookie });
        if (!result.ok) return render(provider, community, interaction, request, reply, tr, { error: result.retryAfter !== undefined ? retryMessage(result.retryAfter) : 'login.failed', username });
        setCurrentSession(reply, provider, community, cookies, result.cookie, result.kept);
      }
      // Post/Redirect/Get: the second step (or the consent page) on its own GET.
      if (await pendingNeed(provider, community, interaction)) return reply.redirect(interactionPath(community, interaction.row.uid), 303);
      return continueSignIn(provider, request, reply, community, interaction);
    }
    // "Cancel" on a second-factor page (and the consent page's "Deny"): access_denied to the client.
    if (form.get('decision') === 'deny') return sendAuthorizationResponse(reply, await finishInteraction(provider, community, interaction, 'deny'));
    const need = await pendingNeed(provider, community, interaction);
    if (need) {
      const step = form.get('step');
      const kind = step === 'recovery' ? 'recovery' : step === 'enrol' ? 'enrol' : 'totp';
      const usable = kind === 'enrol' ? need.enrolOtp : need.available.includes('otp');
      if (!usable) return renderSecondStep(provider, community, interaction, need, reply, tr, {});
      const user = await findUserById(provider.db, community.id, interaction.login.userId);
      if (!user) throw new InteractionError('error.accountGone');
      const result = await checkCode(provider, community, {
        userId: user.id,
        kind,
        code: form.get('code') ?? '',
        address: request.ip,
        trustedDevice: isTrustedDevice(provider, community, user.username, deviceCookie),
      });
      if (!result.ok) {
        const error = result.retryAfter !== undefined ? retryMessage(result.retryAfter) : kind === 'recovery' ? 'mfa.wrongRecoveryCode' : 'mfa.wrongCode';
        return renderSecondStep(provider, community, interaction, need, reply, tr, { error, recovery: kind === 'recovery' });
      }
      await completeSecondFactor(provider, community, interaction, ['otp']);
      if (kind === 'enrol') {
        // A new TOTP: its recovery codes, shown once, before the sign-in goes on.
        const codes = await regenerateRecoveryCodes(provider, user.id);
        return sendPage(reply, recoveryCodesPage({ tr, codes, next: { csrf: interaction.row.csrf } }));
      }
      return continueSignIn(provider, request, reply, community, interaction);
    }
    if (form.get('step') === 'continue') return continueSignIn(provider, request, reply, community, interaction);
    const decision = form.get('decision');
    if (decision !== 'allow' && decision !== 'deny') return render(provider, community, interaction, request, reply, tr);
    return sendAuthorizationResponse(reply, await finishInteraction(provider, community, interaction, decision));
  }));
}
