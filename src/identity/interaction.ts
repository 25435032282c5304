/**
 * The login and consent interaction. An authorization request that needs the user is stored as an interaction
 * record and the browser is sent to `{issuer}/v1/interaction/{uid}`. The record is bound to the browser by a cookie
 * (hash stored) and every form carries a CSRF token; both are checked on each submission. Finishing consumes the
 * record atomically, so it completes once.
 */
import { randomToken, safeEqual, sha256 } from '../keys/secrets.js';
import { findUserByUsername, findUserById } from '../store/users.js';
import { findConsentedScopes, saveConsent } from '../store/consents.js';
import type { InteractionTable } from '../store/schema.js';
import type { Community, ResolvedClient } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import type { AuthorizationRequest } from '../oauth/authorize/request.js';
import { OAuthError } from '../oauth/errors.js';
import { consentNeeded } from '../oauth/authorize/consent.js';
import { issueAuthorizationResponse } from '../oauth/authorize/issue-response.js';
import { errorResponse, type AuthorizationResponse } from '../oauth/authorize/response.js';
import { verifyPassword } from './password.js';
import { startSession, type LoginState } from './sessions.js';

export const INTERACTION_COOKIE = 'tessera_interaction';

export function interactionPath(community: Community, uid: string): string {
  return `/oauth2/community/${community.name}/v1/interaction/${uid}`;
}

/** The interaction cannot be continued (expired, finished, another browser, forged form): an error page. */
export class InteractionError extends Error {}

export interface Interaction {
  row: InteractionTable;
  request: AuthorizationRequest;
  client: ResolvedClient;
  login: LoginState | undefined;
}

/** `eam`: the context of an Entra EAM request (eam/context.ts), which such an interaction is finished by (eam/finish.ts). */
export async function startInteraction(provider: Provider, community: Community, request: AuthorizationRequest, login: LoginState | undefined, eam?: string): Promise<{ uid: string; browserToken: string }> {
  const now = provider.clock.now();
  const uid = randomToken(16);
  const browserToken = randomToken(32);
  await provider.shortLived.insertInteraction({
    uid,
    community_id: community.id,
    request: JSON.stringify(request),
    browser_hash: sha256(browserToken),
    csrf: randomToken(24),
    user_id: login?.userId ?? null,
    auth_time: login?.authTime ?? null,
    amr: login ? JSON.stringify(login.amr) : null,
    sid: login?.sid ?? null,
    acr: login?.acr ?? null,
    ...(eam !== undefined ? { eam } : {}),
    created_at: now,
    expires_at: now + provider.config.lifetimes.interaction,
    consumed_at: null,
  });
  return { uid, browserToken };
}

export async function openInteraction(provider: Provider, community: Community, uid: string, browserToken: string | undefined): Promise<Interaction> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) throw new InteractionError('This sign-in request is not valid.');
  const row = await provider.shortLived.findLiveInteraction(community.id, uid, provider.clock.now());
  if (!row) throw new InteractionError('This sign-in request has expired or was already completed. Return to the application and start again.');
  if (!browserToken || !safeEqual(sha256(browserToken), row.browser_hash)) {
    throw new InteractionError('This sign-in request was started in another browser. Return to the application and start again.');
  }
  const request = JSON.parse(row.request) as AuthorizationRequest;
  const client = await provider.registry.client(community, request.client_id);
  if (!client) throw new InteractionError('The application is no longer registered.');
  const login = row.user_id && row.auth_time !== null && row.sid
    ? { userId: row.user_id, authTime: row.auth_time, amr: JSON.parse(row.amr ?? '[]') as string[], acr: row.acr ?? null, sid: row.sid }
    : undefined;
  return { row, request, client, login };
}

export function checkCsrf(interaction: Interaction, presented: string | undefined): void {
  if (!presented || !safeEqual(presented, interaction.row.csrf)) throw new InteractionError('The form expired. Please try again.');
}

export type LoginResult = { ok: true; cookie: string; login: LoginState } | { ok: false };

/** Verifies the password and starts the SSO session (ending any previous one of this browser). */
export async function submitLogin(provider: Provider, community: Community, interaction: Interaction, username: string, password: string, sessionCookie: string | undefined): Promise<LoginResult> {
  const user = username.length <= 200 ? await findUserByUsername(provider.db, community.id, username) : undefined;
  const ok = await verifyPassword(password.slice(0, 1024), user?.password_hash ?? null, provider.config.passwordHashCost);
  if (!user || !ok) {
    provider.log.info({ community: community.name, uid: interaction.row.uid }, 'login failed');
    return { ok: false };
  }
  const { cookie, login } = await startSession(provider, community, user.id, ['pwd'], sessionCookie);
  await provider.shortLived.recordInteractionLogin(interaction.row.uid, { userId: user.id, authTime: login.authTime, amr: login.amr, sid: login.sid });
  interaction.login = login;
  return { ok: true, cookie, login };
}

export async function needsConsent(provider: Provider, community: Community, interaction: Interaction): Promise<boolean> {
  if (!interaction.login) return false;
  return consentNeeded(provider, community, interaction.client, interaction.request, interaction.login.userId);
}

/** Ends the interaction: the authorization response on allow, access_denied on deny (in the request's response mode). */
export async function finishInteraction(provider: Provider, community: Community, interaction: Interaction, decision: 'allow' | 'deny'): Promise<AuthorizationResponse> {
  const { request, client, login } = interaction;
  const now = provider.clock.now();
  // An Entra EAM interaction ends with an ID token by form_post (eam/finish.ts), never with a code.
  if (interaction.row.eam) throw new InteractionError('This sign-in request cannot be completed here.');
  if (!(await provider.shortLived.consumeInteraction(interaction.row.uid, now))) throw new InteractionError('This sign-in request was already completed.');
  if (decision === 'deny' || !login) {
    return errorResponse(request.redirect_uri, community.issuer, request.response_mode, new OAuthError('access_denied', 'the user denied the request'), request.state);
  }
  const user = await findUserById(provider.db, community.id, login.userId);
  if (!user) throw new InteractionError('The account no longer exists.');
  const clientId = client.metadata.client_id;
  const granted = await findConsentedScopes(provider.db, community.id, login.userId, clientId);
  await saveConsent(provider.db, community.id, login.userId, clientId, [...granted, ...request.scope], now);
  return issueAuthorizationResponse(provider, community, client, request, login);
}
