/**
 * Which of the browser's signed-in accounts (identity/browser-accounts.ts) answers an authorization request:
 * 1. id_token_hint: the account of that user; when the browser has none, no account (a login follows);
 * 2. login_hint: the account with that username, if signed in (with `select_account` too: no chooser then);
 * 3. prompt=select_account: the chooser, whenever at least one account is signed in (even just one: OIDC Core
 *    §3.1.2.1 says the server SHOULD prompt; "use another account" is on the chooser);
 * 4. the current account; else the only account; else (several, none current) the chooser.
 */
import type { BrowserAccount } from '../../identity/browser-accounts.js';
import type { AuthorizationRequest } from './request.js';

export type AccountSelection = { kind: 'account'; account: BrowserAccount } | { kind: 'none' } | { kind: 'choose' };

/** `usernames[i]` is the username of `accounts[i]` (needed only with a login_hint). */
export function selectAccount(request: AuthorizationRequest, accounts: readonly BrowserAccount[], usernames: readonly (string | undefined)[]): AccountSelection {
  if (accounts.length === 0) return { kind: 'none' };
  if (request.hinted_sub !== undefined) {
    const hinted = accounts.find((a) => a.session.user_id === request.hinted_sub);
    return hinted ? { kind: 'account', account: hinted } : { kind: 'none' };
  }
  if (request.login_hint !== undefined) {
    const index = usernames.findIndex((u) => u !== undefined && u === request.login_hint);
    if (index >= 0) return { kind: 'account', account: accounts[index]! };
  }
  if (request.prompt.includes('select_account')) return { kind: 'choose' };
  const current = accounts.find((a) => a.current);
  if (current) return { kind: 'account', account: current };
  return accounts.length === 1 ? { kind: 'account', account: accounts[0]! } : { kind: 'choose' };
}
