/**
 * OAuth 2.0 Form Post Response Mode 1.0 §2: an HTML page whose form POSTs the response parameters to the redirect
 * URI and submits itself. Without script the user presses the button. The page's only script is inline and allowed
 * by a per-response nonce; the CSP lets the form go to the redirect URI's origin and nowhere else, and nothing is
 * loaded from anywhere.
 */
import { randomBytes } from 'node:crypto';
import { esc, type Page } from './html.js';

/** The CSP source that allows a form to be sent to this URI: its origin, or its scheme for a private-use scheme. */
function formActionSource(action: string): string {
  const url = new URL(action);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
}

export function formPostPage(action: string, params: Iterable<readonly [string, string]>): Page {
  const nonce = randomBytes(16).toString('base64');
  const inputs = [...params].map(([name, value]) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`).join('\n');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Returning to the application</title>
<style nonce="${nonce}">body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1d21;background:#f3f5f8}main{max-width:26rem;margin:8vh auto;padding:2rem;background:#fff;border:1px solid #c9ced6;border-radius:12px}button{padding:.7rem 1rem;font:inherit;font-weight:600;border-radius:8px;border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;cursor:pointer}button:focus{outline:3px solid #8db4f0;outline-offset:1px}</style>
</head>
<body>
<main>
<form method="post" action="${esc(action)}">
${inputs}
<p>Returning to the application…</p>
<noscript><p>JavaScript is off: press the button to continue.</p><button type="submit">Continue</button></noscript>
</form>
</main>
<script nonce="${nonce}">document.forms[0].submit();</script>
</body>
</html>`;
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; form-action ${formActionSource(action)}; base-uri 'none'; frame-ancestors 'none'`;
  return { status: 200, html, csp };
}
