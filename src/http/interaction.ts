/**
 * GET/POST {issuer}/v1/interaction/{uid}: the login form, the second step when one is needed (identity/mfa-policy.ts:
 * a TOTP or recovery code, a link to the passkey step of http/passkeys.ts, or TOTP enrolment when one is required and
 * none is set up), then the consent form, then
 * the redirect to the client. The device cookie (identity/throttle.ts) is set once a sign-in has every factor it needs.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import {
  INTERACTION_COOKIE,
  InteractionError,
  checkCsrf,
  finishInteraction,
  interactionPath,
  needsConsent,
  openInteraction,
  submitLogin,
  type Interaction,
} from '../identity/interaction.js';
import { SESSION_COOKIE, communityCookiePath } from '../identity/sessions.js';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE, deviceToken, isTrustedDevice, retryMessage } from '../identity/throttle.js';
import { secondFactorNeed, type SecondFactorNeed } from '../identity/mfa-policy.js';
import { checkCode, completeSecondFactor } from '../identity/second-factor.js';
import { pendingEnrolment } from '../identity/totp.js';
import { regenerateRecoveryCodes } from '../identity/recovery-codes.js';
import { findUserById } from '../store/users.js';
import { consentPage, errorPage, loginPage } from '../ui/pages.js';
import { enrolDuringLoginPage, noFactorPage, recoveryCodesPage, secondFactorPage } from '../ui/mfa-pages.js';
import { MFA_TEXT } from '../ui/mfa-text.js';
import { OAuthError } from '../oauth/errors.js';
import { communityOf, cookieOptions, formParams, noStore, sendPage } from './respond.js';
import { upstreamButtonsFor } from './upstream.js';
import { passkeyStepPath } from './passkeys.js';

interface View {
  error?: string;
  username?: string;
  /** The second step asks for a recovery code instead of a TOTP code. */
  recovery?: boolean;
}

async function pendingNeed(provider: Provider, community: Community, interaction: Interaction): Promise<SecondFactorNeed | undefined> {
  return interaction.login ? secondFactorNeed(provider, community, interaction.client, interaction.request, interaction.login) : undefined;
}

async function renderSecondStep(provider: Provider, community: Community, interaction: Interaction, need: SecondFactorNeed, reply: FastifyReply, view: View) {
  const clientName = interaction.client.metadata.client_name ?? interaction.client.metadata.client_id;
  const csrf = interaction.row.csrf;
  const passkey = need.available.includes('fido') ? passkeyStepPath(community, interaction.row.uid) : undefined;
  if (need.available.includes('otp')) {
    const path = interactionPath(community, interaction.row.uid);
    const links = { totp: path, recovery: `${path}?use=recovery`, ...(passkey ? { passkey } : {}) };
    return sendPage(reply, secondFactorPage({ clientName, csrf, mode: view.recovery ? 'recovery' : 'totp', links, ...(view.error ? { error: view.error } : {}) }));
  }
  // Passkeys only: their own page (http/passkeys.ts).
  if (passkey) return reply.redirect(passkey, 303);
  if (need.enrolOtp) {
    const user = await findUserById(provider.db, community.id, interaction.login!.userId);
    const enrolment = user ? await pendingEnrolment(provider, community, user.id, user.username) : undefined;
    if (enrolment) return sendPage(reply, enrolDuringLoginPage({ clientName, csrf, enrolment, ...(view.error ? { error: view.error } : {}) }));
  }
  return sendPage(reply, noFactorPage());
}

async function render(provider: Provider, community: Community, interaction: Interaction, reply: FastifyReply, view: View = {}) {
  const clientName = interaction.client.metadata.client_name ?? interaction.client.metadata.client_id;
  if (!interaction.login) {
    const upstreams = await upstreamButtonsFor(provider, community, interaction);
    return sendPage(reply, loginPage({ communityName: community.name, clientName, csrf: interaction.row.csrf, username: view.username ?? interaction.request.login_hint, error: view.error, upstreams }));
  }
  const need = await pendingNeed(provider, community, interaction);
  if (need) return renderSecondStep(provider, community, interaction, need, reply, view);
  const user = await findUserById(provider.db, community.id, interaction.login.userId);
  return sendPage(reply, consentPage({ clientName, username: user?.username ?? '', scopes: interaction.request.scope, csrf: interaction.row.csrf }));
}

/**
 * The sign-in has every factor it needs: marks this browser as a known device of the account (identity/throttle.ts),
 * then the consent page (on its own GET) or the redirect to the client. Also used after a passkey (http/passkeys.ts).
 */
export async function continueSignIn(provider: Provider, request: FastifyRequest, reply: FastifyReply, community: Community, interaction: Interaction): Promise<FastifyReply> {
  const user = await findUserById(provider.db, community.id, interaction.login!.userId);
  if (user) reply.setCookie(DEVICE_COOKIE, deviceToken(provider, community, user.username), cookieOptions(provider, communityCookiePath(community), DEVICE_COOKIE_MAX_AGE));
  if (await needsConsent(provider, community, interaction)) return reply.redirect(interactionPath(community, interaction.row.uid), 303);
  return reply.redirect(await finishInteraction(provider, community, interaction, 'allow'), 303);
}

export function interactionRoutes(app: FastifyInstance, provider: Provider): void {
  const path = '/oauth2/community/:community/v1/interaction/:uid';
  const load = async (request: FastifyRequest) => {
    const community = await communityOf(provider, request);
    const { uid } = request.params as { uid: string };
    return { community, interaction: await openInteraction(provider, community, uid, request.cookies[INTERACTION_COOKIE]) };
  };
  const guard = (handler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return await handler(request, reply);
    } catch (err) {
      if (err instanceof InteractionError) return sendPage(reply, errorPage(400, 'invalid_request', err.message));
      if (err instanceof OAuthError && err.status !== 404) return sendPage(reply, errorPage(err.status, err.error, err.description));
      throw err;
    }
  };

  app.get(path, guard(async (request, reply) => {
    const { community, interaction } = await load(request);
    const { use } = request.query as { use?: unknown };
    return render(provider, community, interaction, reply, { recovery: use === 'recovery' });
  }));

  app.post(path, guard(async (request, reply) => {
    const { community, interaction } = await load(request);
    const form = formParams(request);
    checkCsrf(interaction, form.get('csrf'));
    noStore(reply);
    const deviceCookie = request.cookies[DEVICE_COOKIE];
    if (!interaction.login) {
      const username = form.get('username') ?? '';
      const result = await submitLogin(provider, community, interaction, username, form.get('password') ?? '', request.cookies[SESSION_COOKIE], { address: request.ip, deviceCookie });
      if (!result.ok) {
        const error = result.retryAfter !== undefined ? retryMessage(result.retryAfter) : 'The username or password is incorrect.';
        return render(provider, community, interaction, reply, { error, username });
      }
      reply.setCookie(SESSION_COOKIE, result.cookie, cookieOptions(provider, communityCookiePath(community)));
      // The second step on its own GET.
      if (await pendingNeed(provider, community, interaction)) return reply.redirect(request.url, 303);
      return continueSignIn(provider, request, reply, community, interaction);
    }
    // "Cancel" on a second-factor page (and the consent page's "Deny"): access_denied to the client.
    if (form.get('decision') === 'deny') return reply.redirect(await finishInteraction(provider, community, interaction, 'deny'), 303);
    const need = await pendingNeed(provider, community, interaction);
    if (need) {
      const step = form.get('step');
      const kind = step === 'recovery' ? 'recovery' : step === 'enrol' ? 'enrol' : 'totp';
      const usable = kind === 'enrol' ? need.enrolOtp : need.available.includes('otp');
      if (!usable) return renderSecondStep(provider, community, interaction, need, reply, {});
      const user = await findUserById(provider.db, community.id, interaction.login.userId);
      if (!user) throw new InteractionError('The account no longer exists.');
      const result = await checkCode(provider, community, {
        userId: user.id,
        kind,
        code: form.get('code') ?? '',
        address: request.ip,
        trustedDevice: isTrustedDevice(provider, community, user.username, deviceCookie),
      });
      if (!result.ok) {
        const error = result.retryAfter !== undefined ? retryMessage(result.retryAfter) : kind === 'recovery' ? MFA_TEXT.wrongRecoveryCode : MFA_TEXT.wrongCode;
        return renderSecondStep(provider, community, interaction, need, reply, { error, recovery: kind === 'recovery' });
      }
      await completeSecondFactor(provider, community, interaction, ['otp']);
      if (kind === 'enrol') {
        // A new TOTP: its recovery codes, shown once, before the sign-in goes on.
        const codes = await regenerateRecoveryCodes(provider, user.id);
        return sendPage(reply, recoveryCodesPage({ codes, next: { csrf: interaction.row.csrf } }));
      }
      return continueSignIn(provider, request, reply, community, interaction);
    }
    if (form.get('step') === 'continue') return continueSignIn(provider, request, reply, community, interaction);
    const decision = form.get('decision');
    if (decision !== 'allow' && decision !== 'deny') return render(provider, community, interaction, reply);
    return reply.redirect(await finishInteraction(provider, community, interaction, decision), 303);
  }));
}
