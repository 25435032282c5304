/** The page of an Entra EAM sign-in: who Microsoft Entra says is signing in, and the second factor it asks for. */
import { esc, layout, type Page } from './html.js';
import { messageHtml, type Message, type Translator } from './i18n.js';

export interface EamPageInput {
  tr: Translator;
  clientName: string;
  /** The local account. */
  username: string;
  /** Entra's preferred_username (UPN), when it sent one. */
  entraUsername?: string;
  csrf: string;
  /** The usable factors: `otp` shows the code form, `fido` the link to the passkey step. */
  factors: readonly string[];
  /** The passkey step of the interaction, when passkeys are available. */
  passkeyUrl?: string;
  error?: Message;
}

export function eamPage(input: EamPageInput): Page {
  const { tr } = input;
  const error = input.error ? `<p class="error" role="alert">${messageHtml(tr, input.error)}</p>` : '';
  const lead =
    input.entraUsername !== undefined
      ? tr.t('eam.leadEntra', { client: input.clientName, user: input.username, entra: input.entraUsername })
      : tr.t('eam.lead', { client: input.clientName, user: input.username });
  const otp = input.factors.includes('otp')
    ? `<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="step" value="totp">
<label for="code">${tr.t('eam.codeLabel')}</label>
<input type="text" id="code" name="code" required autofocus autocomplete="one-time-code" inputmode="numeric" maxlength="7" spellcheck="false" autocapitalize="none">
<div class="actions"><button type="submit">${tr.t('mfa.verify')}</button></div>
</form>`
    : '';
  const passkey = input.factors.includes('fido') && input.passkeyUrl ? `<p><a href="${esc(input.passkeyUrl)}" id="use-passkey">${tr.t('passkeyStep.use')}</a></p>` : '';
  const none = input.factors.length === 0 ? `<p class="error" role="alert">${tr.t('eam.noFactor')}</p>` : '';
  return layout(
    tr,
    tr.text('eam.title'),
    `<h1>${tr.t('eam.title')}</h1>
<p>${lead}</p>
${error}${none}${otp}${passkey}
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<div class="actions"><button type="submit" name="step" value="cancel" class="secondary">${tr.t('eam.cancel')}</button></div>
</form>`,
    input.error ? 401 : 200,
  );
}
