/**
 * Whether a signed-in account may answer the request as it is, or must sign in (again) first (OIDC Core §3.1.2.3):
 * - prompt=login; max_age elapsed since auth_time (max_age=0: always); an id_token_hint naming another user;
 * - an essential `acr` (claims parameter, §5.5.1.1) the session's acr does not meet (a step-up).
 */
import type { LoginState } from '../../identity/sessions.js';
import { acrSatisfies, levelsDemandMfa } from '../../identity/acr.js';
import { essentialAcrValues } from '../claims-request.js';
import type { AuthorizationRequest } from './request.js';

/**
 * The session's acr does not meet an essential acr request and a second factor on the same session would not
 * either: an essential multi-factor acr is a second-factor step-up (identity/mfa-policy.ts), not a new login.
 */
export function stepUpNeeded(request: AuthorizationRequest, login: LoginState): boolean {
  const essential = essentialAcrValues(request.claims);
  return essential !== undefined && !acrSatisfies(login.acr, essential) && !levelsDemandMfa(essential);
}

export function loginNeeded(request: AuthorizationRequest, login: LoginState | undefined, now: number): boolean {
  if (!login) return true;
  if (request.prompt.includes('login')) return true;
  if (request.max_age !== undefined && (request.max_age === 0 || now - login.authTime > request.max_age)) return true;
  if (request.hinted_sub !== undefined && request.hinted_sub !== login.userId) return true;
  return stepUpNeeded(request, login);
}
