/**
 * The login page's "Continue with …" buttons, one per upstream identity provider: one form posting the page's CSRF
 * token and the chosen upstream's name to `{interaction}/upstream`. Rendered apart from pages.ts so the login page
 * only embeds it.
 */
import { esc } from './html.js';

export interface UpstreamButton {
  name: string;
  label: string;
}

export function upstreamButtons(input: { action: string; csrf: string; upstreams: readonly UpstreamButton[]; heading?: string; verb?: string }): string {
  if (input.upstreams.length === 0) return '';
  const verb = input.verb ?? 'Continue with';
  const buttons = input.upstreams
    .map((u) => `<div class="actions"><button type="submit" name="upstream" value="${esc(u.name)}" class="secondary">${esc(verb)} ${esc(u.label)}</button></div>`)
    .join('\n');
  return `<form method="post" action="${esc(input.action)}" class="upstreams" aria-labelledby="upstreams-heading">
<p id="upstreams-heading">${esc(input.heading ?? 'Or sign in with another provider')}</p>
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
${buttons}
</form>`;
}
