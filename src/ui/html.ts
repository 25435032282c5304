/**
 * HTML escaping and the page frame shared by every server-rendered page. No external assets; no script except where a
 * page asks for one (the passkey pages): then scripts run only under the page's CSP nonce.
 */
import { randomBytes } from 'node:crypto';
import type { Translator } from './i18n.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export interface Page {
  status: number;
  html: string;
  /** The Content-Security-Policy for this page (style nonce). */
  csp: string;
}

const STYLE = `
:root{color-scheme:light;--fg:#1a1d21;--muted:#4a5058;--accent:#1f5fbf;--accent-fg:#fff;--border:#c9ced6;--bg:#f3f5f8;--danger:#a4161a}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:26rem;margin:8vh auto;padding:2rem;background:#fff;border:1px solid var(--border);border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.06)}
h1{font-size:1.35rem;margin:0 0 .25rem}
p{margin:.5rem 0 1rem;color:var(--muted)}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
input[type=text],input[type=password]{width:100%;padding:.65rem .75rem;font:inherit;border:1px solid var(--border);border-radius:8px}
input:focus,button:focus{outline:3px solid #8db4f0;outline-offset:1px}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.7rem 1rem;font:inherit;font-weight:600;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}
.error{color:var(--danger);background:#fdecec;border:1px solid #f3b9ba;border-radius:8px;padding:.6rem .75rem}
ul.scopes{padding-left:1.2rem;color:var(--fg)}
ul.accounts{list-style:none;padding:0;margin:1rem 0}
ul.accounts li{margin:.5rem 0}
ul.accounts button{width:100%;text-align:left;background:#fff;color:var(--fg);border-color:var(--border);font-weight:400}
ul.accounts button strong{display:block}
.tenant{color:var(--fg)}
ul.passkeys{list-style:none;padding:0}
li.passkey{border-top:1px solid var(--border);padding-top:.5rem;margin-bottom:1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .25rem}
code{font-size:.85em;word-break:break-all}
.qr svg{display:block;width:12rem;height:12rem;margin:.5rem 0}
ol.codes{columns:2;font-family:ui-monospace,monospace;color:var(--fg)}
a{color:var(--accent)}
.brand{font-size:.8rem;letter-spacing:.08em;text-transform:uppercase;color:var(--muted);margin-bottom:1rem}
`;

export interface PageExtras {
  /** Front-channel logout iframes: their origins are allowed as frame-src. */
  frames?: readonly string[];
  /** Moves on to this URL after a few seconds (the page's iframes get time to load). */
  refreshTo?: string;
  /** Scripts this page runs under its nonce: same-origin files (`src`, in order), then an inline script. */
  scripts?: { src?: readonly string[]; inline?: string };
}

/** The page frame in the translator's language (`<html lang>`); `title` is plain text. */
export function layout(tr: Translator, title: string, body: string, status = 200, extras: PageExtras = {}): Page {
  const nonce = randomBytes(16).toString('base64');
  const frames = extras.frames ?? [];
  const refresh = extras.refreshTo ? `\n<meta http-equiv="refresh" content="2;url=${esc(extras.refreshTo)}">` : '';
  const iframes = frames.map((src) => `<iframe src="${esc(src)}" title="${esc(tr.text('frame.title'))}" hidden></iframe>`).join('\n');
  const scriptTags = [
    ...(extras.scripts?.src ?? []).map((src) => `<script nonce="${nonce}" src="${esc(src)}"></script>`),
    ...(extras.scripts?.inline ? [`<script nonce="${nonce}">${extras.scripts.inline}</script>`] : []),
  ].map((tag) => `\n${tag}`).join('');
  const html = `<!doctype html>
<html lang="${tr.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">${refresh}
<title>${esc(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
<div class="brand">${tr.t('brand')}</div>
${body}
</main>${iframes}${scriptTags}
</body>
</html>`;
  const frameSrc = frames.length > 0 ? `; frame-src ${[...new Set(frames.map((f) => new URL(f).origin))].join(' ')}` : '';
  const scriptSrc = scriptTags !== '' ? `; script-src 'nonce-${nonce}'` : '';
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'${scriptSrc}; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'${frameSrc}`;
  return { status, html, csp };
}
