/** Building blocks for authorization-code tests: PKCE pairs, authorize URLs, and a login through the real forms. */
import { randomBytes, createHash } from 'node:crypto';
import { TestBrowser, hiddenInputs } from './browser.js';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(issuer: string, params: Record<string, string>): string {
  const url = new URL(`${issuer}/v1/authorize`);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

/**
 * Drives authorize → login form → (consent: allow/deny) → redirect to the client. Returns the final redirect
 * location (on the client's origin).
 */
export async function authorizeThroughForms(
  browser: TestBrowser,
  url: string,
  user: { username: string; password: string } | undefined,
  decision: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  let { url: at, response } = await browser.follow(url);
  for (let step = 0; step < 4; step++) {
    if (response.status >= 300 && response.status < 400) return new URL(response.headers.get('location')!, at);
    const html = await response.text();
    const form = hiddenInputs(html);
    let posted: Response;
    if (html.includes('name="password"')) {
      if (!user) throw new Error('login page shown but no user given');
      posted = await browser.post(at, { ...form, username: user.username, password: user.password });
    } else if (html.includes('name="decision"')) {
      posted = await browser.post(at, { ...form, decision });
    } else {
      throw new Error(`unexpected page (${response.status}): ${html.slice(0, 300)}`);
    }
    ({ url: at, response } = await browser.follow(at, posted));
  }
  throw new Error('too many interaction steps');
}
