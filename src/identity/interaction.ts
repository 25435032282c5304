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
import { consentNeeded, consentedClaim } from '../oauth/authorize/consent.js';
import { issueAuthorizationResponse } from '../oauth/authorize/issue-response.js';
import { errorResponse, type AuthorizationResponse } from '../oauth/authorize/response.js';
import { verifyPassword } from './password.js';
import { loginStateOf, startSession, type LoginState } from './sessions.js';
import { achievedAcr, acrSatisfies } from './acr.js';
import { browserAccounts, type BrowserCookies } from './browser-accounts.js';
import { loginNeeded } from '../oauth/authorize/login-needed.js';
import { claimsToConsent, essentialAcrValues } from '../oauth/claims-request.js';
import { translator, type MessageId } from '../ui/i18n.js';
import { attemptAllowed, isTrustedDevice, recordFailure, recordSuccess, type Attempt } from './throttle.js';
import { secondFactorNeed } from './mfa-policy.js';

export const INTERACTION_COOKIE = 'tessera_interaction';

export function interactionPath(community: Community, uid: string): string {
  return `/oauth2/community/${community.name}/v1/interaction/${uid}`;
}

/** The interaction cannot be continued (expired, finished, another browser, forged form): an error page. */
export class InteractionError extends Error {
  constructor(readonly messageId: MessageId) {
    super(translator('en').text(messageId));
  }
}

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
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid)) throw new InteractionError('error.invalidInteraction');
  const row = await provider.shortLived.findLiveInteraction(community.id, uid, provider.clock.now());
  if (!row) throw new InteractionError('error.interactionExpired');
  if (!browserToken || !safeEqual(sha256(browserToken), row.browser_hash)) {
    throw new InteractionError('error.otherBrowser');
  }
  const request = JSON.parse(row.request) as AuthorizationRequest;
  const client = await provider.registry.client(community, request.client_id);
  if (!client) throw new InteractionError('error.clientGone');
  const login = row.user_id && row.auth_time !== null && row.sid
    ? { userId: row.user_id, authTime: row.auth_time, amr: JSON.parse(row.amr ?? '[]') as string[], acr: row.acr ?? null, sid: row.sid }
    : undefined;
  return { row, request, client, login };
}

export function checkCsrf(interaction: Interaction, presented: string | undefined): void {
  if (!presented || !safeEqual(presented, interaction.row.csrf)) throw new InteractionError('error.formExpired');
}

export type LoginResult = { ok: true; cookie: string; login: LoginState; kept?: string } | { ok: false; retryAfter?: number };

/** Where a sign-in attempt comes from, for brute-force limits (identity/throttle.ts). */
export interface AttemptOrigin {
  address: string;
  /** The browser's device cookie (DEVICE_COOKIE), if any. */
  deviceCookie: string | undefined;
}

/**
 * Verifies the password (throttled per account and origin, per account, per address) and starts the SSO session with
 * amr `pwd`; a second factor, when needed, adds to it later. The browser's previous session ends when it was the
 * same user's; another user's stays signed in (`kept`, see browser-accounts.ts).
 */
export async function submitLogin(provider: Provider, community: Community, interaction: Interaction, username: string, password: string, sessionCookie: string | undefined, origin: AttemptOrigin): Promise<LoginResult> {
  const attempt: Attempt = { community, account: username.slice(0, 200), kind: 'password', address: origin.address, trustedDevice: isTrustedDevice(provider, community, username, origin.deviceCookie) };
  const verdict = await attemptAllowed(provider, attempt);
  if (!verdict.allowed) {
    provider.log.warn({ community: community.name, uid: interaction.row.uid, address: origin.address }, 'login: throttled');
    return { ok: false, retryAfter: verdict.retryAfter };
  }
  const user = username.length <= 200 ? await findUserByUsername(provider.db, community.id, username) : undefined;
  const ok = await verifyPassword(password.slice(0, 1024), user?.password_hash ?? null, provider.config.passwordHashCost);
  if (!user || !ok) {
    provider.log.info({ community: community.name, uid: interaction.row.uid }, 'login failed');
    await recordFailure(provider, attempt);
    return { ok: false };
  }
  await recordSuccess(provider, attempt, verdict);
  const amr = ['pwd'];
  const { cookie, login, kept } = await startSession(provider, community, user.id, amr, sessionCookie, achievedAcr(amr));
  await provider.shortLived.recordInteractionLogin(interaction.row.uid, { userId: user.id, authTime: login.authTime, amr: login.amr, sid: login.sid, acr: login.acr });
  interaction.login = login;
  return kept ? { ok: true, cookie, login, kept } : { ok: true, cookie, login };
}

export type ChooseResult = { kind: 'chosen'; cookie: string } | { kind: 'login'; username: string };

/**
 * The account chooser's choice: one of this browser's sessions (by `sid`). When that session is not enough for the
 * request (prompt=login, max_age, an essential acr) the user signs in again as that account (`login`).
 */
export async function chooseAccount(provider: Provider, community: Community, interaction: Interaction, sid: string, cookies: BrowserCookies): Promise<ChooseResult> {
  const account = (await browserAccounts(provider, community, cookies)).find((a) => a.session.sid === sid);
  if (!account) throw new InteractionError('error.accountNotSignedIn');
  const login = loginStateOf(account.session);
  if (loginNeeded(interaction.request, login, provider.clock.now())) {
    const user = await findUserById(provider.db, community.id, login.userId);
    return { kind: 'login', username: user?.username ?? '' };
  }
  await provider.shortLived.recordInteractionLogin(interaction.row.uid, { userId: login.userId, authTime: login.authTime, amr: login.amr, sid: login.sid, acr: login.acr });
  interaction.login = login;
  return { kind: 'chosen', cookie: account.cookie };
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
  if (interaction.row.eam) throw new InteractionError('eam.notHere');
  // Defence in depth: no response for a login whose second factor is still missing (every caller checks first).
  if (decision === 'allow' && login && (await secondFactorNeed(provider, community, client, request, login))) {
    throw new InteractionError('error.secondFactorRequired');
  }
  if (!(await provider.shortLived.consumeInteraction(interaction.row.uid, now))) throw new InteractionError('error.completed');
  if (decision === 'deny' || !login) {
    return errorResponse(request.redirect_uri, community.issuer, request.response_mode, new OAuthError('access_denied', 'the user denied the request'), request.state);
  }
  // OIDC Core §5.5.1.1: an essential acr the login did not achieve is a failed authentication.
  const essentialAcr = essentialAcrValues(request.claims);
  if (essentialAcr && !acrSatisfies(login.acr, essentialAcr)) {
    return errorResponse(request.redirect_uri, community.issuer, request.response_mode, new OAuthError('access_denied', 'the requested authentication context (essential acr) could not be achieved'), request.state);
  }
  const user = await findUserById(provider.db, community.id, login.userId);
  if (!user) throw new InteractionError('error.accountGone');
  const clientId = client.metadata.client_id;
  const granted = await findConsentedScopes(provider.db, community.id, login.userId, clientId);
  const claims = claimsToConsent(request.claims).map((c) => consentedClaim(c.name));
  await saveConsent(provider.db, community.id, login.userId, clientId, [...new Set([...granted, ...request.scope, ...claims])], now);
  return issueAuthorizationResponse(provider, community, client, request, login);
}
