/** The user's session list ("signed in to these apps") with sign-out everywhere. */
import { esc, layout, type Page } from './html.js';

export interface ListedSession {
  current: boolean;
  /** When the user signed in (auth_time), seconds. */
  signedInAt: number;
  apps: string[];
}

const when = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function sessionListPage(input: { communityName: string; username: string; csrf: string; sessions: ListedSession[] }): Page {
  const items = input.sessions
    .map((s) => {
      const where = s.current ? 'This browser' : 'Another browser or device';
      const apps = s.apps.length > 0 ? s.apps.map((a) => `<li>${esc(a)}</li>`).join('') : '<li>No apps yet</li>';
      return `<li class="session"><strong>${where}</strong>, signed in ${esc(when(s.signedInAt))}<ul class="scopes">${apps}</ul></li>`;
    })
    .join('\n');
  return layout(
    'Your sessions',
    `<h1>Your sessions</h1>
<p>You are signed in to <strong>${esc(input.communityName)}</strong> as <strong>${esc(input.username)}</strong> in ${input.sessions.length === 1 ? 'one place' : `${input.sessions.length} places`}, and to these apps:</p>
<ul class="sessions">
${items}
</ul>
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<div class="actions"><button type="submit" name="action" value="sign_out_all">Sign out everywhere</button></div>
</form>`,
  );
}

export function notSignedInPage(communityName: string): Page {
  return layout('Not signed in', `<h1>You are not signed in</h1><p>This browser has no <strong>${esc(communityName)}</strong> session.</p>`);
}
