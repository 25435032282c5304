/**
 * Passkeys for browsers:
 * - GET/POST {issuer}/v1/account/passkeys: the signed-in user's passkeys (list, add, rename, remove); every POST
 *   carries the session-bound CSRF token.
 * - GET/POST {issuer}/v1/interaction/{uid}/passkey: the passkey as second factor after the password; the assertion
 *   completes the second factor and the interaction continues (consent or the redirect to the client).
 * - GET {issuer}/v1/assets/webauthn.js: @simplewebauthn/browser's bundle, served from node_modules by Tessera
 *   itself (no third-party origin in the CSP), cached for a year under a content-hashed URL.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import { SESSION_COOKIE, currentSession, loginStateOf } from '../identity/sessions.js';
import { checkLogoutCsrf, logoutCsrf } from '../identity/logout.js';
import { InteractionError, checkCsrf, interactionPath, type Interaction } from '../identity/interaction.js';
import { authenticateWithPasskey, authenticationOptions, passkeyName, registerPasskey, registrationOptions } from '../identity/passkeys.js';
import { completeSecondFactor } from '../identity/second-factor.js';
import { secondFactorNeed } from '../identity/mfa-policy.js';
import { hasActiveTotp } from '../identity/totp.js';
import { continueSignIn, interactionGuard, loadInteraction } from './interaction.js';
import { sendEamResponse } from './eam.js';
import { eamContextOf, finishEam } from '../eam/finish.js';
import { eamFactors } from '../eam/second-factor.js';
import { renameCredential, removeCredential, userCredentials } from '../store/webauthn-credentials.js';
import { findUserById } from '../store/users.js';
import type { SessionTable } from '../store/schema.js';
import { sha256 } from '../keys/secrets.js';
import { errorPage } from '../ui/pages.js';
import { notSignedInPage } from '../ui/session-pages.js';
import { passkeyListPage, passkeyNeededPage, passkeyStepPage } from '../ui/passkey-pages.js';
import { secondFactorFirstPage } from '../ui/mfa-pages.js';
import { communityOf, formParams, noStore, pageTranslator, sendPage } from './respond.js';
import type { MessageId, Translator } from '../ui/i18n.js';

/** The browser bundle, read once. Its URL carries a hash of the content, so a new version is a new URL. */
const BUNDLE = readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'));
const BUNDLE_VERSION = sha256(BUNDLE.toString('latin1')).slice(0, 16);

export function webauthnScriptUrl(community: Pick<Community, 'name'>): string {
  return `/oauth2/community/${community.name}/v1/assets/webauthn.js?v=${BUNDLE_VERSION}`;
}

export function accountPasskeysPath(community: Pick<Community, 'name'>): string {
  return `/oauth2/community/${community.name}/v1/account/passkeys`;
}

export function passkeyStepPath(community: Community, uid: string): string {
  return `${interactionPath(community, uid)}/passkey`;
}

/**
 * A session that used the password alone may manage only passkeys it added itself: with older passkeys, a stolen
 * password would otherwise be enough to add the attacker's passkey or remove the user's.
 */
async function mayManagePasskeys(provider: Provider, community: Community, session: SessionTable): Promise<boolean> {
  if (!loginStateOf(session).amr.every((method) => method === 'pwd')) return true;
  // Nor a TOTP: a stolen password must not add a passkey that skips it (identity/mfa-policy.ts mayAddFactor).
  if (await hasActiveTotp(provider, session.user_id)) return false;
  const credentials = await userCredentials(provider.db, community.id, session.user_id);
  return credentials.every((c) => Number(c.created_at) >= session.auth_time);
}

const formExpired = (tr: Translator) => errorPage(tr, 400, 'invalid_request', 'error.formExpired');

async function renderAccount(provider: Provider, community: Community, session: SessionTable, cookie: string, reply: FastifyReply, tr: Translator, error?: MessageId) {
  const user = await findUserById(provider.db, community.id, session.user_id);
  if (!user) return sendPage(reply, { ...notSignedInPage(tr, community.name), status: 401 });
  const passkeys = await userCredentials(provider.db, community.id, user.id);
  const options = await registrationOptions(provider, community, session, user);
  return sendPage(
    reply,
    passkeyListPage(
      {
        tr,
        communityName: community.name,
        username: user.username,
        csrf: logoutCsrf(provider, cookie, 'passkeys'),
        passkeys: passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: Number(p.created_at), lastUsedAt: p.last_used_at === null ? null : Number(p.last_used_at) })),
        options,
        scriptUrl: webauthnScriptUrl(community),
        ...(error ? { error } : {}),
      },
      error ? 400 : 200,
    ),
  );
}

/**
 * Whose passkey the step asks for: the signed-in user of the login, or the account an Entra EAM interaction matched
 * (src/eam/: Entra did the first factor; the step is open only when the request accepts a passkey).
 */
async function stepUserId(provider: Provider, community: Community, interaction: Interaction): Promise<string> {
  if (interaction.row.eam) {
    const context = eamContextOf(interaction);
    if (!(await eamFactors(provider, community, interaction, context)).includes('fido')) throw new InteractionError('eam.methodMismatch');
    return context.user_id;
  }
  if (!interaction.login) throw new InteractionError('passkeyStep.passwordFirst');
  return interaction.login.userId;
}

async function renderStep(provider: Provider, community: Community, interaction: Interaction, reply: FastifyReply, tr: Translator, error?: MessageId) {
  const userId = await stepUserId(provider, community, interaction);
  const options = await authenticationOptions(provider, community, interaction, userId);
  if (!options) throw new InteractionError('passkeyStep.noPasskeys');
  const user = await findUserById(provider.db, community.id, userId);
  const clientName = interaction.client.metadata.client_name ?? interaction.client.metadata.client_id;
  return sendPage(
    reply,
    passkeyStepPage(
      { tr, clientName, username: user?.username ?? '', csrf: interaction.row.csrf, options, scriptUrl: webauthnScriptUrl(community), cancelUrl: interactionPath(community, interaction.row.uid), ...(error ? { error } : {}) },
      error ? 400 : 200,
    ),
  );
}

export function passkeyRoutes(app: FastifyInstance, provider: Provider): void {
  app.get('/oauth2/community/:community/v1/assets/webauthn.js', async (request, reply) => {
    await communityOf(provider, request);
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .header('cross-origin-resource-policy', 'same-origin')
      .type('text/javascript; charset=utf-8')
      .send(BUNDLE);
  });

  const account = async (request: FastifyRequest, reply: FastifyReply) => {
    const community = await communityOf(provider, request);
    const cookie = request.cookies[SESSION_COOKIE];
    const tr = pageTranslator(request);
    const session = await currentSession(provider, community, cookie);
    if (!session || !cookie) return sendPage(reply, { ...notSignedInPage(tr, community.name), status: 401 });
    if (!(await mayManagePasskeys(provider, community, session))) return sendPage(reply, (await hasActiveTotp(provider, session.user_id)) ? secondFactorFirstPage(tr) : passkeyNeededPage(tr));
    if (request.method === 'GET') return renderAccount(provider, community, session, cookie, reply, tr);
    const form = formParams(request);
    if (!checkLogoutCsrf(provider, cookie, form.get('csrf'), 'passkeys')) return sendPage(reply, formExpired(tr));
    noStore(reply);
    const action = form.get('action');
    const id = form.get('id') ?? '';
    const log = { community: community.name, user: session.user_id };
    if (action === 'add') {
      const count = (await userCredentials(provider.db, community.id, session.user_id)).length;
      const result = await registerPasskey(provider, community, session, form.get('response'), passkeyName(form.get('name'), `Passkey ${count + 1}`));
      if (!result.ok) {
        provider.log.info({ ...log, reason: result.reason }, 'passkey registration refused');
        return renderAccount(provider, community, session, cookie, reply, tr, 'passkeys.addFailed');
      }
      provider.log.info({ ...log, credential: result.value.id }, 'passkey added');
    } else if (action === 'rename') {
      if (!(await renameCredential(provider.db, community.id, session.user_id, id, passkeyName(form.get('name'), 'Passkey')))) {
        return sendPage(reply, errorPage(tr, 404, 'not_found', 'passkeys.noSuch'));
      }
    } else if (action === 'remove') {
      if (!(await removeCredential(provider.db, community.id, session.user_id, id))) return sendPage(reply, errorPage(tr, 404, 'not_found', 'passkeys.noSuch'));
      provider.log.info({ ...log, credential: id }, 'passkey removed');
    } else {
      return sendPage(reply, errorPage(tr, 400, 'invalid_request', 'passkeys.unknownAction'));
    }
    // Post/Redirect/Get: the list again on its own GET.
    return reply.redirect(accountPasskeysPath(community), 303);
  };
  app.get('/oauth2/community/:community/v1/account/passkeys', account);
  app.post('/oauth2/community/:community/v1/account/passkeys', account);

  const step = '/oauth2/community/:community/v1/interaction/:uid/passkey';
  /** The step is open only while the login owes a second factor and passkeys are allowed (identity/mfa-policy.ts). */
  const stepOpen = async (community: Community, interaction: Interaction) =>
    interaction.login !== undefined && ((await secondFactorNeed(provider, community, interaction.client, interaction.request, interaction.login))?.available.includes('fido') ?? false);
  app.get(step, interactionGuard(async (request, reply) => {
    const { community, interaction, tr } = await loadInteraction(provider, request);
    if (interaction.login && !(await stepOpen(community, interaction))) return reply.redirect(interactionPath(community, interaction.row.uid), 303);
    return renderStep(provider, community, interaction, reply, tr);
  }));
  app.post(step, interactionGuard(async (request, reply) => {
    const { community, interaction, tr } = await loadInteraction(provider, request);
    const form = formParams(request);
    checkCsrf(interaction, form.get('csrf'));
    noStore(reply);
    if (interaction.login && !(await stepOpen(community, interaction))) return reply.redirect(interactionPath(community, interaction.row.uid), 303);
    const userId = await stepUserId(provider, community, interaction);
    const result = await authenticateWithPasskey(provider, community, interaction, userId, form.get('response'));
    if (!result.ok) {
      provider.log.info({ community: community.name, uid: interaction.row.uid, user: userId, reason: result.reason }, 'passkey authentication failed');
      return renderStep(provider, community, interaction, reply, tr, 'passkeyStep.failed');
    }
    // An EAM interaction ends with the ID token for Entra (eam/finish.ts), the passkey reported as hwk/swk and fido.
    if (interaction.row.eam) return sendEamResponse(reply, await finishEam(provider, community, interaction, result.value));
    await completeSecondFactor(provider, community, interaction, result.value);
    return continueSignIn(provider, request, reply, community, interaction);
  }));
}
