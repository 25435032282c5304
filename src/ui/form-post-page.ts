/**
 * TEMPORARY until wip-authorize's form_post responder is merged: an OAuth 2.0 Form Post Response Mode page, an
 * auto-submitting form POSTing `values` to `action` (with a button for browsers without script).
 */
import { randomBytes } from 'node:crypto';
import { esc, type Page } from './html.js';

export function formPostPage(action: string, values: Record<string, string | undefined>): Page {
  const nonce = randomBytes(16).toString('base64');
  const inputs = Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Submit this form</title></head>
<body>
<form method="post" action="${esc(action)}">
${inputs}
<noscript><button type="submit">Continue</button></noscript>
</form>
<script nonce="${nonce}">document.forms[0].submit();</script>
</body></html>`;
  return { status: 200, html, csp: `default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; frame-ancestors 'none'` };
}
