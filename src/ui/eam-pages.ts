/** The page of an Entra EAM sign-in: who Microsoft Entra says is signing in, and the second factor it asks for. */
import { esc, layout, type Page } from './html.js';

export interface EamPageInput {
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
  error?: string;
}

export function eamPage(input: EamPageInput): Page {
  const error = input.error ? `<p class="error" role="alert">${esc(input.error)}</p>` : '';
  const entra = input.entraUsername ? ` (Microsoft account <strong>${esc(input.entraUsername)}</strong>)` : '';
  const otp = input.factors.includes('otp')
    ? `<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="step" value="totp">
<label for="code">Code from your authenticator app</label>
<input type="text" id="code" name="code" required autofocus autocomplete="one-time-code" inputmode="numeric" maxlength="7" spellcheck="false" autocapitalize="none">
<div class="actions"><button type="submit">Verify</button></div>
</form>`
    : '';
  const passkey = input.factors.includes('fido') && input.passkeyUrl ? `<p><a href="${esc(input.passkeyUrl)}" id="use-passkey">Use a passkey</a></p>` : '';
  const none = input.factors.length === 0 ? '<p class="error" role="alert">Your account has no second factor that meets what Microsoft asked for. Set one up first, or ask an administrator.</p>' : '';
  return layout(
    'Confirm it is you',
    `<h1>Confirm it is you</h1>
<p><strong>${esc(input.clientName)}</strong> asks Tessera for a second factor for <strong>${esc(input.username)}</strong>${entra}.</p>
${error}${none}${otp}${passkey}
<form method="post">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<div class="actions"><button type="submit" name="step" value="cancel" class="secondary">Cancel and return</button></div>
</form>`,
    input.error ? 401 : 200,
  );
}
