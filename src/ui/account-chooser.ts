/**
 * The account chooser (`prompt=select_account`, OIDC Core §3.1.2.1): one button per account signed in on this
 * browser (posting the session's `sid`), and "use another account", which opens the login form without signing
 * anyone out.
 */
import { esc, layout, type Page } from './html.js';
import type { Translator } from './i18n.js';

export interface ChooserAccount {
  sid: string;
  username: string;
  name?: string;
}

export function accountChooserPage(input: { tr: Translator; clientName: string; csrf: string; accounts: ChooserAccount[]; anotherAccountUrl: string }): Page {
  const { tr } = input;
  const items = input.accounts
    .map((a, i) => {
      const title = a.name ? `<strong>${esc(a.name)}</strong>${esc(a.username)}` : `<strong>${esc(a.username)}</strong>`;
      return `<li><button type="submit" name="account" value="${esc(a.sid)}" aria-describedby="signed-in"${i === 0 ? ' autofocus' : ''}>${title}</button></li>`;
    })
    .join('\n');
  return layout(
    tr,
    tr.text('chooser.title'),
    `<h1>${tr.t('chooser.title')}</h1>
<p>${tr.t('chooser.lead', { client: input.clientName })}</p>
<p id="signed-in" hidden>${tr.t('chooser.signedIn')}</p>
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<ul class="accounts">
${items}
</ul>
</form>
<p><a href="${esc(input.anotherAccountUrl)}">${tr.t('chooser.another')}</a></p>`,
  );
}
