/**
 * The passkey pages: the account page (list, add, rename, remove) and the interaction's passkey step. Both run the
 * WebAuthn ceremony with @simplewebauthn/browser (served by Tessera itself, http/passkeys.ts) and a small inline
 * script under the page's CSP nonce that puts the browser's credential JSON into the form and submits it.
 */
import { esc, layout, type Page } from './html.js';

export interface ListedPasskey {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

const when = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** JSON inside a <script type="application/json"> element: `<` escaped so the text cannot close the element. */
const jsonScript = (id: string, value: unknown) => `<script type="application/json" id="${id}">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`;

/** Runs the ceremony of the form marked data-webauthn when it is submitted, then submits it with the result. */
const CEREMONY_SCRIPT = `(() => {
  const form = document.querySelector('form[data-webauthn]');
  const optionsElement = document.getElementById('webauthn-options');
  const status = document.getElementById('webauthn-status');
  if (!form || !optionsElement || !status) return;
  const register = form.dataset.webauthn === 'register';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.hidden = true;
    const lib = window.SimpleWebAuthnBrowser;
    if (!lib || !lib.browserSupportsWebAuthn()) {
      status.textContent = 'This browser does not support passkeys.';
      status.hidden = false;
      return;
    }
    try {
      const optionsJSON = JSON.parse(optionsElement.textContent);
      const credential = register ? await lib.startRegistration({ optionsJSON }) : await lib.startAuthentication({ optionsJSON });
      form.elements.namedItem('response').value = JSON.stringify(credential);
      form.submit();
    } catch (err) {
      status.textContent = (register ? 'No passkey was created' : 'The passkey was not used') + ': ' + (err && err.message ? err.message : String(err));
      status.hidden = false;
    }
  });
})();`;

const ceremony = (scriptUrl: string) => ({ scripts: { src: [scriptUrl], inline: CEREMONY_SCRIPT } });
const statusBox = (error?: string) => `<p class="error" id="webauthn-status" role="alert"${error ? '' : ' hidden'}>${esc(error ?? '')}</p>`;

export function passkeyListPage(input: { communityName: string; username: string; csrf: string; passkeys: ListedPasskey[]; options: unknown; scriptUrl: string; error?: string }, status = 200): Page {
  const items = input.passkeys
    .map(
      (p) => `<li class="passkey">
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="id" value="${esc(p.id)}">
<label>Name<input type="text" name="name" value="${esc(p.name)}" maxlength="64" required></label>
<p>Added ${esc(when(p.createdAt))}, ${p.lastUsedAt === null ? 'never used' : `last used ${esc(when(p.lastUsedAt))}`}</p>
<div class="actions"><button type="submit" name="action" value="rename" class="secondary">Rename</button><button type="submit" name="action" value="remove" class="secondary">Remove</button></div>
</form>
</li>`,
    )
    .join('\n');
  const list = input.passkeys.length > 0 ? `<ul class="passkeys">\n${items}\n</ul>` : '<p>You have no passkeys yet.</p>';
  return layout(
    'Your passkeys',
    `<h1>Your passkeys</h1>
<p>Signed in to <strong>${esc(input.communityName)}</strong> as <strong>${esc(input.username)}</strong>. A passkey is the second step when you sign in.</p>
${list}
<h2>Add a passkey</h2>
${statusBox(input.error)}
<form method="post" data-webauthn="register">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="action" value="add">
<input type="hidden" name="response" value="">
<label for="new-name">Name</label>
<input type="text" id="new-name" name="name" maxlength="64" placeholder="e.g. Laptop">
<div class="actions"><button type="submit">Add a passkey</button></div>
</form>
${jsonScript('webauthn-options', input.options)}`,
    status,
    ceremony(input.scriptUrl),
  );
}

export function passkeyStepPage(input: { clientName: string; username: string; csrf: string; options: unknown; scriptUrl: string; cancelUrl: string; error?: string }, status = 200): Page {
  return layout(
    'Use your passkey',
    `<h1>Use your passkey</h1>
<p><strong>${esc(input.username)}</strong>, confirm it is you with one of your passkeys to continue to <strong>${esc(input.clientName)}</strong>.</p>
${statusBox(input.error)}
<form method="post" data-webauthn="authenticate">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="response" value="">
<div class="actions"><button type="submit">Use a passkey</button></div>
</form>
<form method="post" action="${esc(input.cancelUrl)}">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<div class="actions"><button type="submit" name="decision" value="deny" class="secondary">Cancel</button></div>
</form>
${jsonScript('webauthn-options', input.options)}`,
    status,
    ceremony(input.scriptUrl),
  );
}

export function passkeyNeededPage(): Page {
  return layout(
    'Passkey needed',
    '<h1>Sign in with your passkey first</h1><p class="error" role="alert">This session was started with the password alone. Sign in with your password and one of your passkeys to manage your passkeys.</p>',
    403,
  );
}
