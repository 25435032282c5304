/**
 * The second step of a sign-in: checking a TOTP or recovery code (throttled like passwords, identity/throttle.ts)
 * and recording a completed second factor on the interaction and its SSO session. Until then the session holds only
 * the first factor's methods (e.g. `pwd`) and does not count as multi-factor anywhere.
 */
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { acrAfterSecondFactor, addMethods } from './acr.js';
import { InteractionError, type Interaction } from './interaction.js';
import type { LoginState } from './sessions.js';
import { attemptAllowed, recordFailure, recordSuccess, type Attempt } from './throttle.js';
import { verifyTotp } from './totp.js';
import { spendRecoveryCode } from './recovery-codes.js';

/**
 * A second factor passed for the interaction's login: adds the factor's methods (and `mfa`) to the login and its SSO
 * session, recomputes `acr` (identity/acr.ts), and returns the updated login.
 */
export async function completeSecondFactor(provider: Provider, community: Community, interaction: Interaction, amr: string[]): Promise<LoginState> {
  const login = interaction.login;
  if (!login) throw new InteractionError('passkeyStep.passwordFirst');
  const methods = addMethods(login.amr, amr);
  const acr = acrAfterSecondFactor(methods, login.acr, interaction.request.acr_values);
  await provider.shortLived.updateSessionAuthentication(community.id, login.sid, methods, acr);
  await provider.shortLived.recordInteractionLogin(interaction.row.uid, { userId: login.userId, authTime: login.authTime, amr: methods, sid: login.sid, acr });
  const updated: LoginState = { ...login, amr: methods, acr };
  interaction.login = updated;
  provider.log.info({ community: community.name, uid: interaction.row.uid, amr: methods }, 'second factor completed');
  return updated;
}

/** `totp`: a code of the authenticator app; `recovery`: a recovery code; `enrol`: the first code of a new TOTP. */
export type CodeKind = 'totp' | 'recovery' | 'enrol';

export type CodeResult = { ok: true } | { ok: false; retryAfter?: number };

/**
 * Checks a code for the user, counting failures per account (the user id) and origin, per account and per address
 * under one kind (`otp`), so TOTP and recovery codes share one budget. Logged without the code.
 */
export async function checkCode(provider: Provider, community: Community, input: { userId: string; kind: CodeKind; code: string; address: string; trustedDevice: boolean }): Promise<CodeResult> {
  const attempt: Attempt = { community, account: input.userId, kind: 'otp', address: input.address, trustedDevice: input.trustedDevice };
  const verdict = await attemptAllowed(provider, attempt);
  if (!verdict.allowed) {
    provider.log.warn({ community: community.name, kind: input.kind, address: input.address }, 'second factor: throttled');
    return { ok: false, retryAfter: verdict.retryAfter };
  }
  const code = input.code.slice(0, 64);
  const ok =
    input.kind === 'recovery' ? await spendRecoveryCode(provider, input.userId, code) : await verifyTotp(provider, input.userId, code, input.kind === 'enrol');
  if (!ok) {
    await recordFailure(provider, attempt);
    return { ok: false };
  }
  await recordSuccess(provider, attempt, verdict);
  if (input.kind === 'recovery') provider.log.info({ community: community.name }, 'second factor: a recovery code was used');
  return { ok: true };
}
