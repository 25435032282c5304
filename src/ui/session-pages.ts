/** The user's session list ("signed in to these apps") with sign-out everywhere. */
import { esc, layout, type Page } from './html.js';
import type { Translator } from './i18n.js';

export interface ListedSession {
  current: boolean;
  /** When the user signed in (auth_time), seconds. */
  signedInAt: number;
  apps: string[];
}

const when = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function sessionListPage(input: { tr: Translator; communityName: string; username: string; csrf: string; sessions: ListedSession[] }): Page {
  const { tr } = input;
  const items = input.sessions
    .map((s) => {
      const where = tr.t(s.current ? 'sessions.thisBrowser' : 'sessions.otherBrowser');
      const apps = s.apps.length > 0 ? s.apps.map((a) => `<li>${esc(a)}</li>`).join('') : `<li>${tr.t('sessions.noApps')}</li>`;
      return `<li class="session"><strong>${where}</strong>, ${tr.t('sessions.signedInAt', { when: when(s.signedInAt) })}<ul class="scopes">${apps}</ul></li>`;
    })
    .join('\n');
  const places = input.sessions.length === 1 ? tr.text('sessions.onePlace') : tr.text('sessions.places', { count: input.sessions.length });
  return layout(
    tr,
    tr.text('sessions.title'),
    `<h1>${tr.t('sessions.title')}</h1>
<p>${tr.t('sessions.lead', { community: input.communityName, user: input.username, places })}</p>
<ul class="sessions">
${items}
</ul>
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<div class="actions"><button type="submit" name="action" value="sign_out_all">${tr.t('sessions.signOutAll')}</button></div>
</form>`,
  );
}

export function notSignedInPage(tr: Translator, communityName: string): Page {
  return layout(tr, tr.text('sessions.notSignedIn.title'), `<h1>${tr.t('sessions.notSignedIn.heading')}</h1><p>${tr.t('sessions.notSignedIn.lead', { community: communityName })}</p>`);
}
