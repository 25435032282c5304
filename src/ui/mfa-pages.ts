/** Second-factor pages: the sign-in's second step, TOTP enrolment, recovery codes, the account's security page. */
import { esc, layout, type Page } from './html.js';
import { MFA_TEXT as T } from './mfa-text.js';

export interface EnrolmentView {
  /** Base32 key for manual entry. */
  secret: string;
  /** The QR code (inline SVG from `qrcode`: generated markup, no user input). */
  qrSvg: string;
}

const errorBlock = (error: string | undefined) => (error ? `<p class="error" role="alert">${esc(error)}</p>` : '');

const codeInput = (label: string, numeric: boolean) =>
  `<label for="code">${esc(label)}</label>
<input type="text" id="code" name="code" required autofocus autocomplete="one-time-code" spellcheck="false" autocapitalize="none"${numeric ? ' inputmode="numeric" maxlength="7"' : ' maxlength="40"'}>`;

/** Gives up the sign-in: access_denied to the application. */
const cancelForm = (csrf: string) => `<form method="post">
<input type="hidden" name="csrf" value="${esc(csrf)}">
<div class="actions"><button type="submit" name="decision" value="deny" class="secondary">${esc(T.cancelButton)}</button></div>
</form>`;

/** The secret as a QR code and as text (grouped by four for typing). */
function enrolmentBlock(enrolment: EnrolmentView): string {
  const grouped = enrolment.secret.replace(/(.{4})/g, '$1 ').trim();
  return `<p>${esc(T.enrolSteps)}</p>
<div class="qr" role="img" aria-label="${esc(T.qrLabel)}">${enrolment.qrSvg}</div>
<label>${esc(T.manualKey)}</label>
<p><code id="totp-secret" data-secret="${esc(enrolment.secret)}">${esc(grouped)}</code></p>`;
}

export interface SecondFactorPageInput {
  clientName: string;
  csrf: string;
  /** Which code the form asks for. */
  mode: 'totp' | 'recovery';
  /** Links to switch: the other code kind, and the passkey step when the user has one and the policy allows it. */
  links: { totp?: string; recovery?: string; passkey?: string };
  error?: string;
}

export function secondFactorPage(input: SecondFactorPageInput): Page {
  const recovery = input.mode === 'recovery';
  const switches = [
    recovery && input.links.totp ? `<a href="${esc(input.links.totp)}">${esc(T.useTotp)}</a>` : '',
    !recovery && input.links.recovery ? `<a href="${esc(input.links.recovery)}">${esc(T.useRecovery)}</a>` : '',
    input.links.passkey ? `<a href="${esc(input.links.passkey)}" id="use-passkey">${esc(T.usePasskey)}</a>` : '',
  ].filter(Boolean);
  return layout(
    T.verifyTitle,
    `<h1>${esc(T.verifyTitle)}</h1>
<p>${esc(T.verifyIntro(input.clientName))}</p>
${errorBlock(input.error)}
<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="step" value="${recovery ? 'recovery' : 'totp'}">
<p>${esc(recovery ? T.recoveryPrompt : T.totpPrompt)}</p>
${codeInput(recovery ? T.recoveryLabel : T.codeLabel, !recovery)}
<div class="actions"><button type="submit">${esc(T.verifyButton)}</button></div>
</form>
${switches.map((s) => `<p>${s}</p>`).join('\n')}
${cancelForm(input.csrf)}`,
    input.error ? 401 : 200,
  );
}

/** Required second factor, none enrolled: TOTP enrolment inside the sign-in. */
export function enrolDuringLoginPage(input: { clientName: string; csrf: string; enrolment: EnrolmentView; error?: string }): Page {
  return layout(
    T.enrolTitle,
    `<h1>${esc(T.enrolTitle)}</h1>
<p>${esc(T.enrolRequired(input.clientName))}</p>
${errorBlock(input.error)}
${enrolmentBlock(input.enrolment)}
<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="step" value="enrol">
${codeInput(T.codeLabel, true)}
<div class="actions"><button type="submit">${esc(T.confirmButton)}</button></div>
</form>
${cancelForm(input.csrf)}`,
    input.error ? 401 : 200,
  );
}

/** The new recovery codes, shown once; then on with the sign-in (`csrf`) or back to the security page (`backTo`). */
export function recoveryCodesPage(input: { codes: string[]; next: { csrf: string } | { backTo: string } }): Page {
  const next =
    'csrf' in input.next
      ? `<form method="post">
<input type="hidden" name="csrf" value="${esc(input.next.csrf)}">
<input type="hidden" name="step" value="continue">
<div class="actions"><button type="submit">${esc(T.continueButton)}</button></div>
</form>`
      : `<p><a href="${esc(input.next.backTo)}">${esc(T.backToSecurity)}</a></p>`;
  return layout(
    T.codesTitle,
    `<h1>${esc(T.codesTitle)}</h1>
<p>${esc(T.codesIntro)}</p>
<ol class="codes">
${input.codes.map((c) => `<li><code class="recovery-code">${esc(c)}</code></li>`).join('\n')}
</ol>
${next}`,
  );
}

/** The account page for a password-only session of a user who has a factor already: no factor may be added. */
export function secondFactorFirstPage(): Page {
  return layout(T.securityTitle, `<h1>${esc(T.secondFactorFirstTitle)}</h1><p class="error" role="alert">${esc(T.secondFactorFirst)}</p>`, 403);
}

export function noFactorPage(): Page {
  return layout(T.verifyTitle, `<h1>${esc(T.verifyTitle)}</h1><p class="error" role="alert">${esc(T.noFactorAvailable)}</p>`, 403);
}

export interface SecurityPageInput {
  communityName: string;
  username: string;
  csrf: string;
  totp: { active: true; unusedCodes: number } | { active: false; enrolment: EnrolmentView };
  error?: string;
  notice?: string;
}

/** {issuer}/v1/account/security: TOTP on (new recovery codes, turn off — each with a code) or its enrolment. */
export function securityPage(input: SecurityPageInput): Page {
  const notice = input.notice ? `<p role="status">${esc(input.notice)}</p>` : '';
  const body = input.totp.active
    ? `<p><strong>${esc(T.totpOn)}</strong> ${esc(T.codesLeft(input.totp.unusedCodes))}</p>
<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<p>${esc(T.manageHint)}</p>
${codeInput(T.codeLabel, false)}
<div class="actions">
<button type="submit" name="action" value="regenerate" class="secondary">${esc(T.regenerateButton)}</button>
<button type="submit" name="action" value="remove">${esc(T.removeButton)}</button>
</div>
</form>`
    : `<h2>${esc(T.enrolTitle)}</h2>
${enrolmentBlock(input.totp.enrolment)}
<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
${codeInput(T.codeLabel, true)}
<div class="actions"><button type="submit" name="action" value="confirm">${esc(T.confirmButton)}</button></div>
</form>`;
  return layout(
    T.securityTitle,
    `<h1>${esc(T.securityTitle)}</h1>
<p>${esc(T.securityIntro(input.communityName, input.username))}</p>
${notice}${errorBlock(input.error)}
${body}`,
    input.error ? 400 : 200,
  );
}
