/**
 * GET/POST {issuer}/v1/account/security: the signed-in user's second factors (needs the SSO session; CSRF bound to
 * the session cookie). TOTP enrolment (QR code and manual key; active after a first code), new recovery codes, and
 * turning TOTP off — each change with a current code (TOTP or recovery), checked and throttled like the sign-in's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import { SESSION_COOKIE, currentSession, loginStateOf } from '../identity/sessions.js';
import { mayAddFactor } from '../identity/mfa-policy.js';
import { checkLogoutCsrf, logoutCsrf } from '../identity/logout.js';
import { DEVICE_COOKIE, isTrustedDevice, retryMessage } from '../identity/throttle.js';
import { checkCode, type CodeKind } from '../identity/second-factor.js';
import { hasActiveTotp, pendingEnrolment } from '../identity/totp.js';
import { regenerateRecoveryCodes } from '../identity/recovery-codes.js';
import { deleteTotp, unusedRecoveryCodes } from '../store/second-factors.js';
import { findUserById } from '../store/users.js';
import type { SessionTable, UserTable } from '../store/schema.js';
import { errorPage } from '../ui/pages.js';
import { notSignedInPage } from '../ui/session-pages.js';
import { recoveryCodesPage, secondFactorFirstPage, securityPage } from '../ui/mfa-pages.js';
import type { Message, MessageId, Translator } from '../ui/i18n.js';
import { communityOf, formParams, pageTranslator, sendPage } from './respond.js';

export function securityPath(community: Community): string {
  return `/oauth2/community/${community.name}/v1/account/security`;
}

export function accountSecurityRoutes(app: FastifyInstance, provider: Provider): void {
  const show = async (reply: FastifyReply, tr: Translator, community: Community, session: SessionTable, user: UserTable, csrf: string, message: { error?: Message; notice?: MessageId } = {}) => {
    const base = { tr, communityName: community.name, username: user.username, csrf, ...message };
    if (await hasActiveTotp(provider, user.id)) {
      return sendPage(reply, securityPage({ ...base, totp: { active: true, unusedCodes: await unusedRecoveryCodes(provider.db, user.id) } }));
    }
    // A password-only session of a user with another factor (a passkey) may not add a TOTP.
    if (!(await mayAddFactor(provider, community, loginStateOf(session)))) return sendPage(reply, secondFactorFirstPage(tr));
    const enrolment = await pendingEnrolment(provider, community, user.id, user.username);
    if (!enrolment) return sendPage(reply, errorPage(tr, 409, 'conflict', 'error.formExpired'));
    return sendPage(reply, securityPage({ ...base, totp: { active: false, enrolment } }));
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const community = await communityOf(provider, request);
    const cookie = request.cookies[SESSION_COOKIE];
    const tr = pageTranslator(request);
    const session = await currentSession(provider, community, cookie);
    if (!session || !cookie) return sendPage(reply, notSignedInPage(tr, community.name));
    const user = await findUserById(provider.db, community.id, session.user_id);
    if (!user) return sendPage(reply, notSignedInPage(tr, community.name));
    const csrf = logoutCsrf(provider, cookie, 'security');
    if (request.method !== 'POST') return show(reply, tr, community, session, user, csrf);

    const form = formParams(request);
    if (!checkLogoutCsrf(provider, cookie, form.get('csrf'), 'security')) return sendPage(reply, errorPage(tr, 400, 'invalid_request', 'error.formExpired'));
    const action = form.get('action');
    if (action !== 'confirm' && action !== 'regenerate' && action !== 'remove') return show(reply, tr, community, session, user, csrf);
    if (action === 'confirm' && !(await mayAddFactor(provider, community, loginStateOf(session)))) return sendPage(reply, secondFactorFirstPage(tr));
    const code = (form.get('code') ?? '').replace(/\s/g, '');
    const kind: CodeKind = action === 'confirm' ? 'enrol' : /^\d{6}$/.test(code) ? 'totp' : 'recovery';
    const result = await checkCode(provider, community, {
      userId: user.id,
      kind,
      code,
      address: request.ip,
      trustedDevice: isTrustedDevice(provider, community, user.username, request.cookies[DEVICE_COOKIE]),
    });
    if (!result.ok) {
      const error = result.retryAfter !== undefined ? retryMessage(result.retryAfter) : kind === 'recovery' ? 'mfa.wrongRecoveryCode' : 'mfa.wrongCode';
      return show(reply, tr, community, session, user, csrf, { error });
    }
    if (action === 'remove') {
      await deleteTotp(provider.db, user.id);
      provider.log.info({ community: community.name }, 'second factor: TOTP turned off by the user');
      return show(reply, tr, community, session, user, csrf, { notice: 'security.removed' });
    }
    if (action === 'confirm') provider.log.info({ community: community.name }, 'second factor: TOTP turned on by the user');
    const codes = await regenerateRecoveryCodes(provider, user.id);
    return sendPage(reply, recoveryCodesPage({ tr, codes, next: { backTo: securityPath(community) } }));
  };
  app.get('/oauth2/community/:community/v1/account/security', handler);
  app.post('/oauth2/community/:community/v1/account/security', handler);
}
