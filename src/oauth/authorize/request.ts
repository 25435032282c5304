/** A validated authorization request, as stored with an interaction while the user logs in or consents. */
import type { ChallengeMethod } from '../pkce.js';
import type { ClaimsParameter } from '../claims-request.js';
import type { ResponseMode, ResponseType } from './response-type.js';

export interface AuthorizationRequest {
  client_id: string;
  redirect_uri: string;
  response_type: ResponseType;
  response_mode: ResponseMode;
  scope: string[];
  state?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: ChallengeMethod;
  prompt: string[];
  max_age?: number;
  login_hint?: string;
  ui_locales?: string;
  acr_values?: string;
  /** `sub` of a valid id_token_hint. */
  hinted_sub?: string;
  /** The claims request parameter (OIDC Core §5.5), validated. */
  claims?: ClaimsParameter;
  claims_locales?: string;
  /** page, popup, touch or wap (OIDC Core §3.1.2.1); other values are ignored. */
  display?: string;
}

/** Where an authorization error goes: an error page (no trusted redirect_uri yet) or back to the client. */
export type ErrorTarget = { kind: 'page' } | { kind: 'redirect'; redirectUri: string; state?: string; responseMode: ResponseMode };
