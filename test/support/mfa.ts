/** Second-factor test helpers: TOTP codes at the server's clock, and driving the interaction pages step by step. */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { TestBrowser, hiddenInputs } from './browser.js';
import { authorizeUrl, pkcePair } from './flows.js';
import { postForm, WEB_SECRET } from './server.js';

export const REDIRECT = 'http://127.0.0.1:7777/cb';

/** The RFC 6238 code of `secret` at `seconds` (epoch). */
export function totpAt(secret: string, seconds: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: seconds * 1000 });
}

/** The manual key shown on an enrolment page. */
export function enrolmentSecret(html: string): string {
  const m = /data-secret="([A-Z2-7]+)"/.exec(html);
  if (!m) throw new Error(`no enrolment key on the page: ${html.slice(0, 300)}`);
  return m[1]!;
}

export function recoveryCodesOf(html: string): string[] {
  return [...html.matchAll(/<code class="recovery-code">([a-z2-7-]+)<\/code>/g)].map((m) => m[1]!);
}

export interface Step {
  /** The page's URL (or the client's redirect URL when `redirect`). */
  at: string;
  status: number;
  html: string;
  /** The redirect to the client, when the flow left Tessera. */
  redirect?: URL;
}

async function toStep(at: string, response: Response): Promise<Step> {
  if (response.status >= 300 && response.status < 400) return { at, status: response.status, html: '', redirect: new URL(response.headers.get('location')!, at) };
  return { at, status: response.status, html: await response.text() };
}

/** An authorization request for `clientId` in `issuer`: the first page (or the redirect, with SSO). */
export async function begin(browser: TestBrowser, issuer: string, clientId: string, extra: Record<string, string> = {}): Promise<Step & { verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const url = authorizeUrl(issuer, { client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'st', nonce: 'nn', code_challenge: challenge, code_challenge_method: 'S256', ...extra });
  const { url: at, response } = await browser.follow(url);
  return { ...(await toStep(at, response)), verifier };
}

/** Submits the page's form (its hidden inputs plus `fields`) and follows Tessera's redirects. */
export async function submit(browser: TestBrowser, step: Step, fields: Record<string, string>): Promise<Step> {
  const posted = await browser.post(step.at, { ...hiddenInputs(step.html), ...fields });
  const { url, response } = await browser.follow(step.at, posted);
  return toStep(url, response);
}

export async function show(browser: TestBrowser, url: string): Promise<Step> {
  const { url: at, response } = await browser.follow(url);
  return toStep(at, response);
}

/** Redeems the code of a redirect and returns the verified ID token's claims. */
export async function idTokenOf(issuer: string, clientId: string, redirect: URL | undefined, verifier: string): Promise<JWTPayload> {
  const code = redirect?.searchParams.get('code');
  if (!code) throw new Error(`no code in the redirect: ${redirect?.href}`);
  const res = await postForm(`${issuer}/v1/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId, client_secret: WEB_SECRET });
  const tokens = (await res.json()) as { id_token?: string };
  if (!tokens.id_token) throw new Error(`no id_token: ${JSON.stringify(tokens)}`);
  const { payload } = await jwtVerify(tokens.id_token, createRemoteJWKSet(new URL(`${issuer}/v1/jwks`)), { issuer, audience: clientId });
  return payload;
}
