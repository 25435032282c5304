/**
 * TOTP (RFC 6238) with `otpauth`: SHA-1, 6 digits, 30-second steps (what authenticator apps expect). A code is
 * accepted for the current step ±1 (clock drift), and only once: the accepted step is stored and a code of that
 * step or an earlier one is refused (store/second-factors.ts, atomic). Secrets are sealed at rest with the master key.
 */
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { seal, unseal } from '../keys/sealing.js';
import { findTotp, savePendingTotp, useTotpStep } from '../store/second-factors.js';
import type { TotpFactorTable } from '../store/schema.js';
import type { Community } from '../runtime/community-registry.js';
import type { Provider } from '../runtime/provider.js';

const PERIOD = 30;
const DIGITS = 6;
/** Steps accepted either side of the current one. */
const WINDOW = 1;
/** 160 bits, as RFC 4226 §4 recommends. */
const SECRET_BYTES = 20;
/** Provisioned secrets must have at least 80 bits (RFC 4226 §4: 128 required, 160 recommended; imports vary). */
const MIN_SECRET_BITS = 80;

/** A base32 secret normalized (upper case, no spaces or padding), or undefined when it is not valid base32. */
export function normalizeBase32Secret(value: string): string | undefined {
  const clean = value.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if (!/^[A-Z2-7]+$/.test(clean) || clean.length * 5 < MIN_SECRET_BITS || clean.length > 200) return undefined;
  try {
    Secret.fromBase32(clean);
  } catch {
    return undefined;
  }
  return clean;
}

function totp(secret: string, community: Community, username: string): TOTP {
  return new TOTP({ issuer: `Tessera ${community.name}`, label: username, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD });
}

/** The time step of `code` at `now` (seconds), or undefined when it matches none within the window. */
export function matchingStep(secret: string, code: string, now: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: DIGITS, period: PERIOD, timestamp: now * 1000, window: WINDOW });
  return delta === null ? undefined : Math.floor(now / PERIOD) + delta;
}

export function sealSecret(provider: Provider, secret: string): string {
  return seal(provider.secrets.sealing, secret);
}

/**
 * Checks a code against the user's active TOTP and spends its step: true once per step. With `pending`, checks
 * against the secret waiting for confirmation and activates it.
 */
export async function verifyTotp(provider: Provider, userId: string, code: string, pending = false): Promise<boolean> {
  const factor = await findTotp(provider.db, userId);
  if (!factor || (factor.confirmed_at === null) !== pending) return false;
  const now = provider.clock.now();
  const step = matchingStep(unseal(provider.secrets.sealing, factor.secret_sealed), code.replace(/\s/g, ''), now);
  if (step === undefined) return false;
  return useTotpStep(provider.db, userId, step, now, pending);
}

export async function hasActiveTotp(provider: Provider, userId: string): Promise<boolean> {
  return (await findTotp(provider.db, userId))?.confirmed_at != null;
}

export interface TotpEnrolment {
  /** The base32 key for manual entry. */
  secret: string;
  /** `otpauth://totp/…` (Key URI format) */
  uri: string;
  /** The URI as a QR code: an inline SVG element. */
  qrSvg: string;
}

/**
 * The enrolment in progress for the user: its secret is kept (sealed) until confirmed, so reloading the page shows
 * the same key as the one already scanned. Undefined when the user already has an active TOTP.
 */
export async function pendingEnrolment(provider: Provider, community: Community, userId: string, username: string): Promise<TotpEnrolment | undefined> {
  let factor: TotpFactorTable | undefined = await findTotp(provider.db, userId);
  if (factor?.confirmed_at != null) return undefined;
  if (!factor) {
    const row: TotpFactorTable = {
      user_id: userId,
      community_id: community.id,
      secret_sealed: sealSecret(provider, new Secret({ size: SECRET_BYTES }).base32),
      confirmed_at: null,
      last_step: null,
      created_at: provider.clock.now(),
    };
    await savePendingTotp(provider.db, row);
    factor = await findTotp(provider.db, userId);
    if (!factor || factor.confirmed_at !== null) return undefined;
  }
  const secret = unseal(provider.secrets.sealing, factor.secret_sealed);
  const uri = totp(secret, community, username).toString();
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, uri, qrSvg };
}
