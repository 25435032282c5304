/**
 * Response types and response modes (OAuth 2.0 Multiple Response Types 1.0, OAuth 2.0 Form Post Response Mode 1.0,
 * OIDC Core §3). A response type is a set of `code`, `id_token` and `token`: its space-separated values compare in
 * any order, so every value is normalized to the order below.
 */

export const RESPONSE_TYPES = ['code', 'id_token', 'token', 'id_token token', 'code id_token', 'code token', 'code id_token token'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];

export const RESPONSE_MODES = ['query', 'fragment', 'form_post'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

export type ResponseTypePart = 'code' | 'id_token' | 'token';
const ORDER: readonly ResponseTypePart[] = ['code', 'id_token', 'token'];

/** The canonical form of a response_type value, or undefined when it is not one Tessera supports. */
export function normalizeResponseType(value: string): ResponseType | undefined {
  const parts = value.split(' ');
  if (parts.length > 3 || new Set(parts).size !== parts.length) return undefined;
  if (!parts.every((p) => (ORDER as readonly string[]).includes(p))) return undefined;
  const canonical = ORDER.filter((p) => parts.includes(p)).join(' ');
  return (RESPONSE_TYPES as readonly string[]).includes(canonical) ? (canonical as ResponseType) : undefined;
}

export function responseTypeParts(responseType: ResponseType): ReadonlySet<ResponseTypePart> {
  return new Set(responseType.split(' ') as ResponseTypePart[]);
}

/** Implicit or hybrid: something besides a code comes from the authorization endpoint. */
export function carriesTokens(responseType: ResponseType): boolean {
  return responseType !== 'code';
}

/** Multiple Response Types §2.1, §3: query for code, fragment for anything with a token. */
export function defaultResponseMode(responseType: ResponseType): ResponseMode {
  return carriesTokens(responseType) ? 'fragment' : 'query';
}

export function isResponseMode(value: string): value is ResponseMode {
  return (RESPONSE_MODES as readonly string[]).includes(value);
}
