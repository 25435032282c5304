/**
 * Passkeys (WebAuthn Level 3) with @simplewebauthn/server. The relying party is the community's issuer: rpID = its
 * host, origin = its origin. Every ceremony's challenge is stored server-side in the short-lived store under a key
 * bound to what started it — the SSO session for a registration, the interaction for an authentication — and is
 * taken (deleted) before the response is verified, so it works once. User verification is preferred, not required.
 * A passkey used as a second factor adds `hwk` (a device-bound key) or `swk` (a backed-up, synced passkey) plus
 * `fido` to the login's `amr` (RFC 8176 §2; `fido` as in Microsoft Entra's external authentication method list).
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';
import type { SessionTable, UserTable, WebauthnCredentialTable } from '../store/schema.js';
import { credentialExists, findUserCredential, insertCredential, recordCredentialUse, userCredentials } from '../store/webauthn-credentials.js';
import type { Interaction } from './interaction.js';
import type { LoginState } from './sessions.js';
import { isObject } from '../oauth/access-token.js';

/** How long a ceremony may take, seconds (the browser's timeout is the same). */
export const CEREMONY_SECONDS = 300;
export const MAX_PASSKEY_NAME = 64;
const MAX_RESPONSE_CHARS = 32_768;
const TRANSPORTS: readonly string[] = ['ble', 'hybrid', 'internal', 'nfc', 'usb'];
const isTransport = (t: string): t is AuthenticatorTransport => TRANSPORTS.includes(t);

export function relyingParty(community: Pick<Community, 'issuer'>): { rpID: string; origin: string } {
  const url = new URL(community.issuer);
  return { rpID: url.hostname, origin: url.origin };
}

/** RFC 8176 methods a passkey adds to the login. */
export function passkeyAmr(backedUp: boolean): string[] {
  return [backedUp ? 'swk' : 'hwk', 'fido'];
}

/** A passkey name from a form: trimmed, control characters removed, bounded; a default when empty. */
export function passkeyName(raw: string | undefined, fallback: string): string {
  const name = (raw ?? '').replace(/[\p{Cc}\p{Cf}]/gu, '').trim().slice(0, MAX_PASSKEY_NAME);
  return name === '' ? fallback : name;
}

const transportsOf = (row: WebauthnCredentialTable) => (JSON.parse(row.transports) as string[]).filter(isTransport);
const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The browser's credential (PublicKeyCredential.toJSON()) from a form field, checked for shape; undefined if malformed. */
function parseCredentialJson(raw: string | undefined, fields: readonly string[]): Record<string, unknown> | undefined {
  if (!raw || raw.length > MAX_RESPONSE_CHARS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(value) || !isString(value.id) || !isString(value.rawId) || value.type !== 'public-key' || !isObject(value.response)) return undefined;
  const response = value.response;
  if (!fields.every((f) => isString(response[f]))) return undefined;
  if (!isObject(value.clientExtensionResults)) value.clientExtensionResults = {};
  return value;
}

const registrationKey = (session: SessionTable) => `reg:${session.sid}`;
const authenticationKey = (interaction: Interaction) => `auth:${interaction.row.uid}`;

async function storeChallenge(provider: Provider, community: Community, key: string, userId: string, challenge: string): Promise<void> {
  await provider.shortLived.putWebauthnChallenge({ key, community_id: community.id, user_id: userId, challenge, expires_at: provider.clock.now() + CEREMONY_SECONDS });
}

/** Options for adding a passkey on the account page; the challenge is bound to the SSO session. */
export async function registrationOptions(provider: Provider, community: Community, session: SessionTable, user: UserTable): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await userCredentials(provider.db, community.id, user.id);
  const options = await generateRegistrationOptions({
    rpName: community.name,
    rpID: relyingParty(community).rpID,
    userName: user.username,
    userID: new TextEncoder().encode(user.id),
    timeout: CEREMONY_SECONDS * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: transportsOf(c) })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  await storeChallenge(provider, community, registrationKey(session), user.id, options.challenge);
  return options;
}

export type CeremonyResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Verifies a registration response against the session's challenge (taken, so used once) and stores the passkey. */
export async function registerPasskey(provider: Provider, community: Community, session: SessionTable, raw: string | undefined, name: string): Promise<CeremonyResult<WebauthnCredentialTable>> {
  const now = provider.clock.now();
  const challenge = await provider.shortLived.takeWebauthnChallenge(community.id, registrationKey(session), now);
  if (!challenge || challenge.user_id !== session.user_id) return { ok: false, reason: 'challenge' };
  const response = parseCredentialJson(raw, ['clientDataJSON', 'attestationObject']);
  if (!response) return { ok: false, reason: 'malformed' };
  const { rpID, origin } = relyingParty(community);
  let info;
  try {
    const verified = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
    if (!verified.verified) return { ok: false, reason: 'unverified' };
    info = verified.registrationInfo;
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message.slice(0, 200) : 'unverified' };
  }
  const { credential } = info;
  if (await credentialExists(provider.db, credential.id)) return { ok: false, reason: 'credential already registered' };
  const row: WebauthnCredentialTable = {
    id: credential.id,
    community_id: community.id,
    user_id: session.user_id,
    name,
    public_key: isoBase64URL.fromBuffer(credential.publicKey),
    counter: credential.counter,
    transports: JSON.stringify((credential.transports ?? []).filter(isTransport)),
    backed_up: info.credentialBackedUp ? 1 : 0,
    created_at: now,
    last_used_at: null,
  };
  try {
    await insertCredential(provider.db, row);
  } catch {
    // A concurrent registration of the same credential id lost the race to the primary key.
    return { ok: false, reason: 'credential already registered' };
  }
  return { ok: true, value: row };
}

/** Options for the interaction's passkey step: the signed-in user's passkeys; the challenge is bound to the interaction. */
export async function authenticationOptions(provider: Provider, community: Community, interaction: Interaction, userId: string): Promise<PublicKeyCredentialRequestOptionsJSON | undefined> {
  const credentials = await userCredentials(provider.db, community.id, userId);
  if (credentials.length === 0) return undefined;
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(community).rpID,
    allowCredentials: credentials.map((c) => ({ id: c.id, transports: transportsOf(c) })),
    timeout: CEREMONY_SECONDS * 1000,
    userVerification: 'preferred',
  });
  await storeChallenge(provider, community, authenticationKey(interaction), userId, options.challenge);
  return options;
}

/**
 * Verifies an assertion against the interaction's challenge (taken, so used once) with one of the signed-in user's
 * passkeys. A signature counter that did not advance (when the authenticator keeps one) is refused as a possible
 * clone. Returns the `amr` values to add.
 */
export async function authenticateWithPasskey(provider: Provider, community: Community, interaction: Interaction, userId: string, raw: string | undefined): Promise<CeremonyResult<string[]>> {
  const now = provider.clock.now();
  const challenge = await provider.shortLived.takeWebauthnChallenge(community.id, authenticationKey(interaction), now);
  if (!challenge || challenge.user_id !== userId) return { ok: false, reason: 'challenge' };
  const response = parseCredentialJson(raw, ['clientDataJSON', 'authenticatorData', 'signature']);
  if (!response) return { ok: false, reason: 'malformed' };
  const stored = await findUserCredential(provider.db, community.id, userId, response.id as string);
  if (!stored) return { ok: false, reason: 'unknown credential' };
  const { rpID, origin } = relyingParty(community);
  let info;
  try {
    const verified = await verifyAuthenticationResponse({
      response: response as unknown as AuthenticationResponseJSON,
      expectedChallenge: challenge.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: { id: stored.id, publicKey: isoBase64URL.toBuffer(stored.public_key), counter: Number(stored.counter), transports: transportsOf(stored) },
      requireUserVerification: false,
    });
    if (!verified.verified) return { ok: false, reason: 'unverified' };
    info = verified.authenticationInfo;
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message.slice(0, 200) : 'unverified' };
  }
  if (!(await recordCredentialUse(provider.db, stored.id, Number(stored.counter), info.newCounter, info.credentialBackedUp, now))) {
    return { ok: false, reason: 'counter changed concurrently' };
  }
  return { ok: true, value: passkeyAmr(info.credentialBackedUp) };
}
