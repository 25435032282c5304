/**
 * The passkey pages: the account page (list, add, rename, remove) and the interaction's passkey step. Both run the
 * WebAuthn ceremony with @simplewebauthn/browser (served by Tessera itself, http/passkeys.ts) and a small inline
 * script under the page's CSP nonce that puts the browser's credential JSON into the form and submits it.
 */
import { esc, layout, type Page } from './html.js';
import type { MessageId, Translator } from './i18n.js';

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
  const messagesElement = document.getElementById('webauthn-messages');
  const status = document.getElementById('webauthn-status');
  if (!form || !optionsElement || !messagesElement || !status) return;
  const messages = JSON.parse(messagesElement.textContent);
  const register = form.dataset.webauthn === 'register';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.hidden = true;
    const lib = window.SimpleWebAuthnBrowser;
    if (!lib || !lib.browserSupportsWebAuthn()) {
      status.textContent = messages.unsupported;
      status.hidden = false;
      return;
    }
    try {
      const optionsJSON = JSON.parse(optionsElement.textContent);
      const credential = register ? await lib.startRegistration({ optionsJSON }) : await lib.startAuthentication({ optionsJSON });
      form.elements.namedItem('response').value = JSON.stringify(credential);
      form.submit();
    } catch (err) {
      status.textContent = (register ? messages.notCreated : messages.notUsed) + ': ' + (err && err.message ? err.message : String(err));
      status.hidden = false;
    }
  });
})();`;

const ceremony = (scriptUrl: string) => ({ scripts: { src: [scriptUrl], inline: CEREMONY_SCRIPT } });
const statusBox = (tr: Translator, error?: MessageId) => `<p class="error" id="webauthn-status" role="alert"${error ? '' : ' hidden'}>${error ? tr.t(error) : ''}</p>`;
/** The script's messages in the page's language. */
const scriptMessages = (tr: Translator) =>
  jsonScript('webauthn-messages', { unsupported: tr.text('passkeys.unsupported'), notCreated: tr.text('passkeys.notCreated'), notUsed: tr.text('passkeys.notUsed') });

export function passkeyListPage(input: { tr: Translator; communityName: string; username: string; csrf: string; passkeys: ListedPasskey[]; options: unknown; scriptUrl: string; error?: MessageId }, status = 200): Page {
  const { tr } = input;
  const items = input.passkeys
    .map(
      (p) => `<li class="passkey">
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="id" value="${esc(p.id)}">
<label>${tr.t('passkeys.name')}<input type="text" name="name" value="${esc(p.name)}" maxlength="64" required></label>
<p>${p.lastUsedAt === null ? tr.t('passkeys.addedNeverUsed', { added: when(p.createdAt) }) : tr.t('passkeys.addedUsed', { added: when(p.createdAt), used: when(p.lastUsedAt) })}</p>
<div class="actions"><button type="submit" name="action" value="rename" class="secondary">${tr.t('passkeys.rename')}</button><button type="submit" name="action" value="remove" class="secondary">${tr.t('passkeys.remove')}</button></div>
</form>
</li>`,
    )
    .join('\n');
  const list = input.passkeys.length > 0 ? `<ul class="passkeys">\n${items}\n</ul>` : `<p>${tr.t('passkeys.none')}</p>`;
  return layout(
    tr,
    tr.text('passkeys.title'),
    `<h1>${tr.t('passkeys.title')}</h1>
<p>${tr.t('passkeys.lead', { community: input.communityName, user: input.username })}</p>
${list}
<h2>${tr.t('passkeys.add')}</h2>
${statusBox(tr, input.error)}
<form method="post" data-webauthn="register">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="action" value="add">
<input type="hidden" name="response" value="">
<label for="new-name">${tr.t('passkeys.name')}</label>
<input type="text" id="new-name" name="name" maxlength="64" placeholder="${esc(tr.text('passkeys.placeholder'))}">
<div class="actions"><button type="submit">${tr.t('passkeys.add')}</button></div>
</form>
${jsonScript('webauthn-options', input.options)}
${scriptMessages(tr)}`,
    status,
    ceremony(input.scriptUrl),
  );
}

export function passkeyStepPage(input: { tr: Translator; clientName: string; username: string; csrf: string; options: unknown; scriptUrl: string; cancelUrl: string; error?: MessageId }, status = 200): Page {
  const { tr } = input;
  return layout(
    tr,
    tr.text('passkeyStep.title'),
    `<h1>${tr.t('passkeyStep.title')}</h1>
<p>${tr.t('passkeyStep.lead', { user: input.username, client: input.clientName })}</p>
${statusBox(tr, input.error)}
<form method="post" data-webauthn="authenticate">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="response" value="">
<div class="actions"><button type="submit">${tr.t('passkeyStep.use')}</button></div>
</form>
<form method="post" action="${esc(input.cancelUrl)}">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<div class="actions"><button type="submit" name="decision" value="deny" class="secondary">${tr.t('passkeyStep.cancel')}</button></div>
</form>
${jsonScript('webauthn-options', input.options)}
${scriptMessages(tr)}`,
    status,
    ceremony(input.scriptUrl),
  );
}

export function passkeyNeededPage(tr: Translator): Page {
  return layout(tr, tr.text('passkeyNeeded.title'), `<h1>${tr.t('passkeyNeeded.heading')}</h1><p class="error" role="alert">${tr.t('passkeyNeeded.text')}</p>`, 403);
}
