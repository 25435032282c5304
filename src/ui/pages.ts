/**
 * The provider's pages: login, consent, logout confirmation, logged out, error, and the demo callback. Every text
 * comes from the message catalogue (i18n.ts) in the page's negotiated language.
 */
import { esc, layout, type Page } from './html.js';
import { isMessageId, messageHtml, translator, type Message, type MessageId, type Translator } from './i18n.js';

export function loginPage(input: {
  tr: Translator;
  communityName: string;
  clientName: string;
  csrf: string;
  username?: string;
  error?: Message;
  /** `acr_values=tenant:NAME` */
  tenant?: string;
  /** ui/upstream-buttons.ts */
  upstreams?: string;
}): Page {
  const { tr } = input;
  const error = input.error ? `<p class="error" role="alert">${messageHtml(tr, input.error)}</p>` : '';
  const tenant = input.tenant ? `<p class="tenant">${tr.t('login.tenant', { tenant: input.tenant })}</p>` : '';
  const prefilled = input.username !== undefined && input.username !== '';
  return layout(
    tr,
    tr.text('login.title'),
    `<h1>${tr.t('login.title')}</h1>
<p>${tr.t('login.lead', { client: input.clientName, community: input.communityName })}</p>
${tenant}${error}
<form method="post" autocomplete="on">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<label for="username">${tr.t('login.username')}</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${esc(input.username ?? '')}"${prefilled ? '' : ' autofocus'}>
<label for="password">${tr.t('login.password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${prefilled ? ' autofocus' : ''}>
<div class="actions"><button type="submit">${tr.t('login.submit')}</button></div>
</form>
${input.upstreams ?? ''}`,
    input.error ? 401 : 200,
  );
}

function scopeWords(tr: Translator, scope: string): string {
  const id = `scope.${scope}`;
  return isMessageId(id) ? tr.t(id) : tr.t('scope.other', { scope });
}

function claimWords(tr: Translator, claim: string): string {
  const id = `claim.${claim}`;
  return isMessageId(id) ? tr.t(id) : esc(claim);
}

export function consentPage(input: { tr: Translator; clientName: string; username: string; scopes: string[]; claims?: { name: string; essential: boolean }[]; csrf: string }): Page {
  const { tr } = input;
  const items = input.scopes.map((s) => `<li>${scopeWords(tr, s)}</li>`).join('\n');
  const claims = input.claims ?? [];
  const claimItems = claims.map((c) => `<li>${claimWords(tr, c.name)}${c.essential ? ` ${tr.t('claim.required')}` : ''}</li>`).join('\n');
  const claimList = claims.length > 0 ? `<p>${tr.t('consent.claims')}</p>\n<ul class="scopes claims">\n${claimItems}\n</ul>` : '';
  return layout(
    tr,
    tr.text('consent.title'),
    `<h1>${tr.t('consent.title')}</h1>
<p>${tr.t('consent.lead', { client: input.clientName, user: input.username })}</p>
<ul class="scopes">
${items}
</ul>
${claimList}
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<div class="actions">
<button type="submit" name="decision" value="deny" class="secondary">${tr.t('consent.deny')}</button>
<button type="submit" name="decision" value="allow" autofocus>${tr.t('consent.allow')}</button>
</div>
</form>`,
  );
}

export function logoutConfirmPage(input: { tr: Translator; communityName: string; csrf: string; hidden: Record<string, string> }): Page {
  const { tr } = input;
  const hidden = Object.entries(input.hidden)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
  return layout(
    tr,
    tr.text('logout.title'),
    `<h1>${tr.t('logout.title')}</h1>
<p>${tr.t('logout.lead', { community: input.communityName })}</p>
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
${hidden}
<div class="actions">
<button type="submit" name="logout" value="no" class="secondary">${tr.t('logout.stay')}</button>
<button type="submit" name="logout" value="yes" autofocus>${tr.t('logout.confirm')}</button>
</div>
</form>`,
  );
}

/** After logout: front-channel iframes for the clients signed out, then on to `continueTo` when given. */
export function loggedOutPage(tr: Translator, signedOut: boolean, after: { frames?: readonly string[]; continueTo?: string } = {}): Page {
  const next = after.continueTo ? `<p><a href="${esc(after.continueTo)}">${tr.t('loggedOut.continue')}</a></p>` : `<p>${tr.t('loggedOut.close')}</p>`;
  const body = `<h1>${tr.t(signedOut ? 'loggedOut.heading' : 'loggedOut.still')}</h1>${next}`;
  return layout(tr, tr.text('loggedOut.title'), body, 200, { frames: after.frames ?? [], ...(after.continueTo ? { refreshTo: after.continueTo } : {}) });
}

/** An error page: `description` is a catalogue message, or a protocol error's own (English) description. */
export function errorPage(tr: Translator, status: number, error: string, description: MessageId | { text: string }): Page {
  const message = typeof description === 'string' ? tr.t(description) : esc(description.text);
  return layout(
    tr,
    tr.text('error.title'),
    `<h1>${tr.t('error.title')}</h1>
<p class="error" role="alert">${message}</p>
<p>${tr.t('error.code')} <code>${esc(error)}</code></p>`,
    status,
  );
}

/** The demo client's redirect target: shows what arrived so a newcomer can exchange the code by hand. */
export function demoCallbackPage(query: Record<string, string>): Page {
  const rows = Object.entries(query)
    .map(([k, v]) => `<label>${esc(k)}</label><code>${esc(v)}</code>`)
    .join('\n');
  return layout(translator('en'), 'Demo callback', `<h1>Authorization response</h1><p>This is the demo client's redirect URI. It received:</p>${rows || '<p>nothing</p>'}`);
}
