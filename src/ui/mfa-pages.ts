/**
 * Second-factor pages: the sign-in's second step, TOTP enrolment, recovery codes, the account's security page. Every
 * text comes from the message catalogue (i18n.ts) in the page's negotiated language.
 */
import { esc, layout, type Page } from './html.js';
import { messageHtml, type Message, type MessageId, type Translator } from './i18n.js';

export interface EnrolmentView {
  /** Base32 key for manual entry. */
  secret: string;
  /** The QR code (inline SVG from `qrcode`: generated markup, no user input). */
  qrSvg: string;
}

const errorBlock = (tr: Translator, error: Message | undefined) => (error ? `<p class="error" role="alert">${messageHtml(tr, error)}</p>` : '');

const codeInput = (tr: Translator, label: MessageId, numeric: boolean) =>
  `<label for="code">${tr.t(label)}</label>
<input type="text" id="code" name="code" required autofocus autocomplete="one-time-code" spellcheck="false" autocapitalize="none"${numeric ? ' inputmode="numeric" maxlength="7"' : ' maxlength="40"'}>`;

/** Gives up the sign-in: access_denied to the application. */
const cancelForm = (tr: Translator, csrf: string) => `<form method="post">
<input type="hidden" name="csrf" value="${esc(csrf)}">
<div class="actions"><button type="submit" name="decision" value="deny" class="secondary">${tr.t('mfa.cancel')}</button></div>
</form>`;

/** The secret as a QR code and as text (grouped by four for typing). */
function enrolmentBlock(tr: Translator, enrolment: EnrolmentView): string {
  const grouped = enrolment.secret.replace(/(.{4})/g, '$1 ').trim();
  return `<p>${tr.t('mfa.enrolSteps')}</p>
<div class="qr" role="img" aria-label="${esc(tr.text('mfa.qrLabel'))}">${enrolment.qrSvg}</div>
<label>${tr.t('mfa.manualKey')}</label>
<p><code id="totp-secret" data-secret="${esc(enrolment.secret)}">${esc(grouped)}</code></p>`;
}

export interface SecondFactorPageInput {
  tr: Translator;
  clientName: string;
  csrf: string;
  /** Which code the form asks for. */
  mode: 'totp' | 'recovery';
  /** Links to switch: the other code kind, and the passkey step when the user has one and the policy allows it. */
  links: { totp?: string; recovery?: string; passkey?: string };
  error?: Message;
}

export function secondFactorPage(input: SecondFactorPageInput): Page {
  const { tr } = input;
  const recovery = input.mode === 'recovery';
  const switches = [
    recovery && input.links.totp ? `<a href="${esc(input.links.totp)}">${tr.t('mfa.useTotp')}</a>` : '',
    !recovery && input.links.recovery ? `<a href="${esc(input.links.recovery)}">${tr.t('mfa.useRecovery')}</a>` : '',
    input.links.passkey ? `<a href="${esc(input.links.passkey)}" id="use-passkey">${tr.t('mfa.usePasskey')}</a>` : '',
  ].filter(Boolean);
  return layout(
    tr,
    tr.text('mfa.verifyTitle'),
    `<h1>${tr.t('mfa.verifyTitle')}</h1>
<p>${tr.t('mfa.verifyLead', { client: input.clientName })}</p>
${errorBlock(tr, input.error)}
<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="step" value="${recovery ? 'recovery' : 'totp'}">
<p>${tr.t(recovery ? 'mfa.recoveryPrompt' : 'mfa.totpPrompt')}</p>
${codeInput(tr, recovery ? 'mfa.recoveryLabel' : 'mfa.codeLabel', !recovery)}
<div class="actions"><button type="submit">${tr.t('mfa.verify')}</button></div>
</form>
${switches.map((s) => `<p>${s}</p>`).join('\n')}
${cancelForm(tr, input.csrf)}`,
    input.error ? 401 : 200,
  );
}

/** Required second factor, none enrolled: TOTP enrolment inside the sign-in. */
export function enrolDuringLoginPage(input: { tr: Translator; clientName: string; csrf: string; enrolment: EnrolmentView; error?: Message }): Page {
  const { tr } = input;
  return layout(
    tr,
    tr.text('mfa.enrolTitle'),
    `<h1>${tr.t('mfa.enrolTitle')}</h1>
<p>${tr.t('mfa.enrolRequired', { client: input.clientName })}</p>
${errorBlock(tr, input.error)}
${enrolmentBlock(tr, input.enrolment)}
<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<input type="hidden" name="step" value="enrol">
${codeInput(tr, 'mfa.codeLabel', true)}
<div class="actions"><button type="submit">${tr.t('mfa.turnOn')}</button></div>
</form>
${cancelForm(tr, input.csrf)}`,
    input.error ? 401 : 200,
  );
}

/** The new recovery codes, shown once; then on with the sign-in (`csrf`) or back to the security page (`backTo`). */
export function recoveryCodesPage(input: { tr: Translator; codes: string[]; next: { csrf: string } | { backTo: string } }): Page {
  const { tr } = input;
  const next =
    'csrf' in input.next
      ? `<form method="post">
<input type="hidden" name="csrf" value="${esc(input.next.csrf)}">
<input type="hidden" name="step" value="continue">
<div class="actions"><button type="submit">${tr.t('mfa.continue')}</button></div>
</form>`
      : `<p><a href="${esc(input.next.backTo)}">${tr.t('mfa.backToSecurity')}</a></p>`;
  return layout(
    tr,
    tr.text('mfa.codesTitle'),
    `<h1>${tr.t('mfa.codesTitle')}</h1>
<p>${tr.t('mfa.codesLead')}</p>
<ol class="codes">
${input.codes.map((c) => `<li><code class="recovery-code">${esc(c)}</code></li>`).join('\n')}
</ol>
${next}`,
  );
}

/** The account page for a password-only session of a user who has a factor already: no factor may be added. */
export function secondFactorFirstPage(tr: Translator): Page {
  return layout(tr, tr.text('security.title'), `<h1>${tr.t('security.factorFirst.heading')}</h1><p class="error" role="alert">${tr.t('security.factorFirst.text')}</p>`, 403);
}

export function noFactorPage(tr: Translator): Page {
  return layout(tr, tr.text('mfa.verifyTitle'), `<h1>${tr.t('mfa.verifyTitle')}</h1><p class="error" role="alert">${tr.t('mfa.noFactor')}</p>`, 403);
}

export interface SecurityPageInput {
  tr: Translator;
  communityName: string;
  username: string;
  csrf: string;
  totp: { active: true; unusedCodes: number } | { active: false; enrolment: EnrolmentView };
  error?: Message;
  notice?: MessageId;
}

/** {issuer}/v1/account/security: TOTP on (new recovery codes, turn off — each with a code) or its enrolment. */
export function securityPage(input: SecurityPageInput): Page {
  const { tr } = input;
  const notice = input.notice ? `<p role="status">${tr.t(input.notice)}</p>` : '';
  const codesLeft = (n: number) => (n === 1 ? tr.t('security.codesLeftOne') : tr.t('security.codesLeft', { count: n }));
  const body = input.totp.active
    ? `<p><strong>${tr.t('security.totpOn')}</strong> ${codesLeft(input.totp.unusedCodes)}</p>
<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
<p>${tr.t('security.manageHint')}</p>
${codeInput(tr, 'mfa.codeLabel', false)}
<div class="actions">
<button type="submit" name="action" value="regenerate" class="secondary">${tr.t('security.regenerate')}</button>
<button type="submit" name="action" value="remove">${tr.t('security.remove')}</button>
</div>
</form>`
    : `<h2>${tr.t('mfa.enrolTitle')}</h2>
${enrolmentBlock(tr, input.totp.enrolment)}
<form method="post" autocomplete="off">
<input type="hidden" name="csrf" value="${esc(input.csrf)}">
${codeInput(tr, 'mfa.codeLabel', true)}
<div class="actions"><button type="submit" name="action" value="confirm">${tr.t('mfa.turnOn')}</button></div>
</form>`;
  return layout(
    tr,
    tr.text('security.title'),
    `<h1>${tr.t('security.title')}</h1>
<p>${tr.t('security.lead', { community: input.communityName, user: input.username })}</p>
${notice}${errorBlock(tr, input.error)}
${body}`,
    input.error ? 400 : 200,
  );
}
