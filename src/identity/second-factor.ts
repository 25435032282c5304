/**
 * Completing a second factor in the login interaction. Minimal version (the MFA work owns this module and replaces
 * it): the methods are appended to the interaction's login and to its SSO session, so the ID token's `amr` and a
 * later single sign-on both carry them.
 */
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import { InteractionError, type Interaction } from './interaction.js';
import type { LoginState } from './sessions.js';
import { achievedAcr } from './acr.js';

export async function completeSecondFactor(provider: Provider, community: Community, interaction: Interaction, amr: string[]): Promise<LoginState> {
  const login = interaction.login;
  if (!login) throw new InteractionError('passkeyStep.passwordFirst');
  const merged = [...login.amr, ...amr.filter((method, i) => !login.amr.includes(method) && amr.indexOf(method) === i)];
  const updated: LoginState = { ...login, amr: merged, acr: achievedAcr(merged, login.acr) };
  await provider.shortLived.recordInteractionLogin(interaction.row.uid, { userId: updated.userId, authTime: updated.authTime, amr: merged, sid: updated.sid, acr: updated.acr });
  await provider.shortLived.recordSessionAmr(community.id, updated.sid, merged);
  interaction.login = updated;
  return updated;
}
