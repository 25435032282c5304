/**
 * The service side of an external login UI (a community's `login_ui_url`): authorize sends the browser there with the
 * interaction `uid`; that UI, authenticated as a service (a license for the community, or a system license), reads
 *   GET  {issuer}/v1/interaction/{uid}           the pending request (client, scopes, prompt, login_hint, …)
 * and completes it with
 *   POST {issuer}/v1/interaction/{uid}/login     {user, acr?, amr?}: the user it authenticated
 *   POST {issuer}/v1/interaction/{uid}/consent   {decision: "allow"|"deny"}
 * each answered with `{redirect_to}` (where to send the browser) or, when consent is still needed,
 * `{consent_required: true, scope}`. A request with response_mode=form_post is answered with
 * `{form_post: {action, params}}` instead of redirect_to: the UI must POST those parameters from the browser to
 * `action` (an auto-submitting form), as Tessera's own form_post page does. The GET shares its path with the browser page: it is routed here only when the
 * request carries service credentials (a route constraint), so the browser flow is untouched.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Provider } from '../runtime/provider.js';
import type { Community } from '../runtime/community-registry.js';
import type { AuthorizationRequest } from '../oauth/authorize/request.js';
import { responseLocation, type AuthorizationResponse } from '../oauth/authorize/response.js';
import { finishInteraction, InteractionError, needsConsent, type Interaction } from '../identity/interaction.js';
import { loginStateOf, type LoginState } from '../identity/sessions.js';
import { findUserById, findUserByUsername } from '../store/users.js';
import { hmacSha256, randomToken, sha256 } from '../keys/secrets.js';
import { authenticateService, hasServiceCredentials, ServiceApiError } from '../service/authenticate.js';
import type { ServiceKeyPair } from '../service/key-pair.js';
import { communityOf, noStore } from './respond.js';

const CONSTRAINT = 'tesseraServiceCredentials';

/** Routes a request to a handler registered with `constraints: { [CONSTRAINT]: 'yes' }` when it carries credentials. */
function addServiceConstraint(app: FastifyInstance): void {
  if (app.hasConstraintStrategy(CONSTRAINT)) return;
  app.addConstraintStrategy({
    name: CONSTRAINT,
    storage() {
      const handlers = new Map<string, unknown>();
      return { get: (value: string) => (handlers.get(value) ?? null) as never, set: (value: string, store: unknown) => void handlers.set(value, store) };
    },
    deriveConstraint: (request: { headers: Record<string, unknown> }) => (hasServiceCredentials(request.headers as never) ? 'yes' : 'no'),
    mustMatchWhenDerived: false,
  } as never);
}

/** Where the external UI sends the browser: a redirect, or the form_post form to submit from the browser. */
function externalAnswer(response: AuthorizationResponse): { redirect_to: string } | { form_post: { action: string; params: Record<string, string> } } {
  if (response.mode !== 'form_post') return { redirect_to: responseLocation(response) };
  return { form_post: { action: response.redirectUri, params: Object.fromEntries(response.params) } };
}

/** The SSO session an external login creates has no browser cookie; its key is derived, so /consent can find it. */
function externalSessionCookie(provider: Provider, uid: string): string {
  return hmacSha256(provider.secrets.secretHashing, `external-login:${uid}`);
}

function body(request: FastifyRequest): Record<string, unknown> {
  const value = request.body;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ServiceApiError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

export function externalLoginRoutes(api: FastifyInstance, provider: Provider, keyPair: ServiceKeyPair): void {
  addServiceConstraint(api);
  const path = '/oauth2/community/:community/v1/interaction/:uid';

  const load = async (request: FastifyRequest): Promise<{ community: Community; interaction: Interaction }> => {
    const community = await communityOf(provider, request);
    await authenticateService(provider, keyPair, request.headers, { kind: 'community', community: community.name });
    const { uid } = request.params as { uid: string };
    const row = /^[A-Za-z0-9_-]{1,64}$/.test(uid) ? await provider.shortLived.findLiveInteraction(community.id, uid, provider.clock.now()) : undefined;
    // Entra EAM interactions are completed on Tessera's own second-factor page (src/eam/), not by a login UI.
    if (!row || row.eam) throw new ServiceApiError(404, 'no pending interaction has this uid (expired or completed)');
    const authRequest = JSON.parse(row.request) as AuthorizationRequest;
    const client = await provider.registry.client(community, authRequest.client_id);
    if (!client) throw new ServiceApiError(404, 'the client of this interaction is no longer registered');
    let login: LoginState | undefined;
    if (row.user_id && row.auth_time !== null && row.sid) {
      const session = await provider.shortLived.findLiveSession(community.id, sha256(externalSessionCookie(provider, uid)), provider.clock.now());
      login = session && session.sid === row.sid ? loginStateOf(session) : { userId: row.user_id, authTime: row.auth_time, amr: JSON.parse(row.amr ?? '[]') as string[], acr: null, sid: row.sid };
    }
    return { community, interaction: { row, request: authRequest, client, login } };
  };

  const finish = async (community: Community, interaction: Interaction, decision: 'allow' | 'deny') => {
    try {
      return externalAnswer(await finishInteraction(provider, community, interaction, decision));
    } catch (err) {
      if (err instanceof InteractionError) throw new ServiceApiError(409, err.message);
      throw err;
    }
  };

  api.get(path, { constraints: { [CONSTRAINT]: 'yes' } }, async (request, reply) => {
    const { community, interaction } = await load(request);
    const { request: r, client, login } = interaction;
    const user = login ? await findUserById(provider.db, community.id, login.userId) : undefined;
    return noStore(reply)
      .type('application/json')
      .send(
        JSON.stringify({
          uid: interaction.row.uid,
          community: community.name,
          client_id: client.metadata.client_id,
          client_name: client.metadata.client_name ?? client.metadata.client_id,
          scope: r.scope,
          prompt: r.prompt,
          ...(r.login_hint !== undefined ? { login_hint: r.login_hint } : {}),
          ...(r.acr_values !== undefined ? { acr_values: r.acr_values } : {}),
          ...(r.ui_locales !== undefined ? { ui_locales: r.ui_locales } : {}),
          ...(r.max_age !== undefined ? { max_age: r.max_age } : {}),
          ...(user ? { user: { id: user.id, username: user.username } } : {}),
          expires_at: Number(interaction.row.expires_at),
        }),
      );
  });

  api.post(`${path}/login`, async (request, reply) => {
    const { community, interaction } = await load(request);
    const input = body(request);
    const { user: name, acr, amr } = input;
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new ServiceApiError(400, 'user must be the username or id of the authenticated user');
    if (acr !== undefined && (typeof acr !== 'string' || acr.length > 200)) throw new ServiceApiError(400, 'acr must be a string');
    if (amr !== undefined && (!Array.isArray(amr) || amr.length > 10 || !amr.every((m) => typeof m === 'string' && m.length <= 50))) throw new ServiceApiError(400, 'amr must be an array of strings');
    const user = (await findUserByUsername(provider.db, community.id, name)) ?? (await findUserById(provider.db, community.id, name));
    if (!user) throw new ServiceApiError(400, 'user is not a user of this community');
    const now = provider.clock.now();
    const uid = interaction.row.uid;
    const methods = (amr as string[] | undefined) ?? ['ext'];
    const sid = randomToken(16);
    await provider.shortLived.insertSession({
      cookie_hash: sha256(externalSessionCookie(provider, uid)),
      sid,
      community_id: community.id,
      user_id: user.id,
      auth_time: now,
      acr: (acr as string | undefined) ?? null,
      amr: JSON.stringify(methods),
      created_at: now,
      expires_at: Number(interaction.row.expires_at),
      ended_at: null,
    });
    await provider.shortLived.recordInteractionLogin(uid, { userId: user.id, authTime: now, amr: methods, sid });
    interaction.login = { userId: user.id, authTime: now, amr: methods, acr: (acr as string | undefined) ?? null, sid };
    provider.log.info({ community: community.name, uid }, 'external login UI signed a user in');
    if (await needsConsent(provider, community, interaction)) {
      return noStore(reply).type('application/json').send(JSON.stringify({ consent_required: true, scope: interaction.request.scope }));
    }
    return noStore(reply).type('application/json').send(JSON.stringify(await finish(community, interaction, 'allow')));
  });

  api.post(`${path}/consent`, async (request, reply) => {
    const { community, interaction } = await load(request);
    const { decision } = body(request);
    if (decision !== 'allow' && decision !== 'deny') throw new ServiceApiError(400, 'decision must be allow or deny');
    if (!interaction.login && decision === 'allow') throw new ServiceApiError(409, 'no user has signed in for this interaction yet');
    return noStore(reply).type('application/json').send(JSON.stringify(await finish(community, interaction, decision)));
  });
}
