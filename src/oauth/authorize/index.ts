/**
 * The authorization endpoint's decision once the request is valid (OIDC Core §3.1.2.3–§3.1.2.4):
 * - which of the browser's signed-in accounts answers (select-account.ts): the one id_token_hint or login_hint names,
 *   else the current one; `prompt=select_account`, or several accounts and no current one, ask the user (the
 *   chooser; prompt=none then answers account_selection_required);
 * - login is needed per login-needed.ts; prompt=none then answers login_required, or interaction_required when the
 *   user is signed in but must step up to an essential acr;
 * - a second factor is needed per identity/mfa-policy.ts (step-up on the same session, also for an essential acr or
 *   acr_values naming the multi-factor level); prompt=none then answers interaction_required;
 * - consent is needed per consent.ts; prompt=none then answers consent_required;
 * - otherwise the authorization response (code and/or tokens) is issued at once (SSO).
 */
import { OAuthError } from '../errors.js';
import type { Params } from '../params.js';
import type { Community } from '../../runtime/community-registry.js';
import type { Provider } from '../../runtime/provider.js';
import { loginStateOf } from '../../identity/sessions.js';
import { browserAccounts, type BrowserCookies } from '../../identity/browser-accounts.js';
import { startInteraction } from '../../identity/interaction.js';
import { findUserById } from '../../store/users.js';
import { RedirectableError, validateAuthorizationRequest } from './pipeline.js';
import { consentNeeded } from './consent.js';
import { secondFactorNeed } from '../../identity/mfa-policy.js';
import { issueAuthorizationResponse } from './issue-response.js';
import type { AuthorizationResponse } from './response.js';
import { loginNeeded, stepUpNeeded } from './login-needed.js';
import { selectAccount } from './select-account.js';

export { loginNeeded } from './login-needed.js';

export type AuthorizeOutcome = { kind: 'response'; response: AuthorizationResponse } | { kind: 'interaction'; uid: string; browserToken: string };

export async function authorize(provider: Provider, community: Community, params: Params, cookies: BrowserCookies | string | undefined): Promise<AuthorizeOutcome> {
  const { client, request } = await validateAuthorizationRequest(provider, community, params);
  const browser: BrowserCookies = typeof cookies === 'object' ? cookies : { session: cookies, accounts: undefined };
  try {
    const silent = request.prompt.includes('none');
    const accounts = await browserAccounts(provider, community, browser);
    const usernames = request.login_hint === undefined ? [] : await Promise.all(accounts.map(async (a) => (await findUserById(provider.db, community.id, a.session.user_id))?.username));
    const selection = selectAccount(request, accounts, usernames);
    if (selection.kind === 'choose') {
      if (silent) throw new OAuthError('account_selection_required', 'the user must choose an account');
      return { kind: 'interaction', ...(await startInteraction(provider, community, request, undefined)) };
    }
    const login = selection.kind === 'account' ? loginStateOf(selection.account.session) : undefined;
    if (!login || loginNeeded(request, login, provider.clock.now())) {
      if (silent && login && stepUpNeeded(request, login)) throw new OAuthError('interaction_required', 'the user must authenticate with the requested acr');
      if (silent) throw new OAuthError('login_required', 'the user must sign in');
      return { kind: 'interaction', ...(await startInteraction(provider, community, request, undefined)) };
    }
    // A session without the second factor this request needs (or the user has) steps up: no password again.
    if (await secondFactorNeed(provider, community, client, request, login)) {
      if (silent) throw new OAuthError('interaction_required', 'the user must complete a second factor');
      return { kind: 'interaction', ...(await startInteraction(provider, community, request, login)) };
    }
    if (await consentNeeded(provider, community, client, request, login.userId)) {
      if (silent) throw new OAuthError('consent_required', 'the user must consent');
      return { kind: 'interaction', ...(await startInteraction(provider, community, request, login)) };
    }
    return { kind: 'response', response: await issueAuthorizationResponse(provider, community, client, request, login) };
  } catch (err) {
    if (err instanceof OAuthError) throw new RedirectableError(err, request.redirect_uri, request.state, request.response_mode);
    throw err;
  }
}
