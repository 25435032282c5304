/** The provider's pages: login, consent, logout confirmation, logged out, error, and the demo callback. */
import { esc, layout, type Page } from './html.js';

const SCOPE_WORDS: Record<string, string> = {
  openid: 'Sign you in with your account',
  profile: 'See your name and basic profile',
  email: 'See your email address',
  address: 'See your postal address',
  phone: 'See your phone number',
  offline_access: 'Stay signed in and act for you while you are away',
};

export function loginPage(input: { communityName: string; clientName: string; csrf: string; username?: string; error?: string; /** ui/upstream-buttons.ts */ upstreams?: string }): Page {
  const error = input.error ? `<p class="error" role="alert">${esc(input.error)}</p>` : '';
  const prefilled = input.username !== undefined;
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p>to continue to <strong>${esc(input.clientName)}</strong> with your <strong>${esc(input.communityName)}</strong> account</p>
${error}
<form method="post" autocomplete="on">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${esc(input.username ?? '')}"${prefilled ? '' : ' autofocus'}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${prefilled ? ' autofocus' : ''}>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
${input.upstreams ?? ''}`,
    input.error ? 401 : 200,
  );
}

export function consentPage(input: { clientName: string; username: string; scopes: string[]; csrf: string }): Page {
  const items = input.scopes.map((s) => `<li>${esc(SCOPE_WORDS[s] ?? `Use the "${s}" permission`)}</li>`).join('\n');
  return layout(
    'Allow access?',
    `<h1>Allow access?</h1>
<p><strong>${esc(input.clientName)}</strong> wants to use your account <strong>${esc(input.username)}</strong> to:</p>
<ul class="scopes">
${items}
</ul>
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<div class="actions">
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
<button type="submit" name="decision" value="allow" autofocus>Allow</button>
</div>
</form>`,
  );
}

export function logoutConfirmPage(input: { communityName: string; csrf: string; hidden: Record<string, string> }): Page {
  const hidden = Object.entries(input.hidden)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
  return layout(
    'Sign out?',
    `<h1>Sign out?</h1>
<p>You will be signed out of <strong>${esc(input.communityName)}</strong> on this browser.</p>
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
${hidden}
<div class="actions">
<button type="submit" name="logout" value="no" class="secondary">Stay signed in</button>
<button type="submit" name="logout" value="yes" autofocus>Sign out</button>
</div>
</form>`,
  );
}

/** After logout: front-channel iframes for the clients signed out, then on to `continueTo` when given. */
export function loggedOutPage(signedOut: boolean, after: { frames?: readonly string[]; continueTo?: string } = {}): Page {
  const next = after.continueTo ? `<p><a href="${esc(after.continueTo)}">Continue</a></p>` : '<p>You can close this window.</p>';
  const body = signedOut ? `<h1>You are signed out</h1>${next}` : `<h1>You are still signed in</h1>${next}`;
  return layout('Signed out', body, 200, { frames: after.frames ?? [], ...(after.continueTo ? { refreshTo: after.continueTo } : {}) });
}

export function errorPage(status: number, error: string, description: string): Page {
  return layout(
    'Something went wrong',
    `<h1>Something went wrong</h1>
<p class="error" role="alert">${esc(description)}</p>
<p>Error code: <code>${esc(error)}</code></p>`,
    status,
  );
}

/** The demo client's redirect target: shows what arrived so a newcomer can exchange the code by hand. */
export function demoCallbackPage(query: Record<string, string>): Page {
  const rows = Object.entries(query)
    .map(([k, v]) => `<label>${esc(k)}</label><code>${esc(v)}</code>`)
    .join('\n');
  return layout('Demo callback', `<h1>Authorization response</h1><p>This is the demo client's redirect URI. It received:</p>${rows || '<p>nothing</p>'}`);
}
