/**
 * OIDC Back-Channel Logout 1.0: when a session ends, each client it signed in to that registered a
 * `backchannel_logout_uri` receives a logout token (§2.4: `typ: logout+jwt`, `iss aud iat exp jti sub sid events`,
 * no `nonce`) POSTed as `logout_token` (§2.5). Delivery runs beside the response (the browser does not wait): each
 * client gets `attempts` tries with a doubling delay, then Tessera gives up and logs it. Deliveries in flight are
 * tracked so shutdown can cancel the retries and tests can wait for them.
 */
import { randomUUID } from 'node:crypto';
import { signJwt } from '../keys/jws-sign.js';
import type { Community, ResolvedClient } from '../runtime/community-registry.js';
import type { Config } from '../config.js';
import type { Logger } from 'pino';
import type { Clock } from '../runtime/clock.js';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token is valid for two minutes: it is delivered now or retried with a fresh one. */
const LOGOUT_TOKEN_LIFETIME = 120;

export interface EndedSession {
  sid: string;
  userId: string;
}

export function logoutToken(community: Community, client: ResolvedClient, session: EndedSession, now: number): Promise<string> {
  const claims = {
    iss: community.issuer,
    aud: client.metadata.client_id,
    iat: now,
    exp: now + LOGOUT_TOKEN_LIFETIME,
    jti: randomUUID(),
    sub: session.userId,
    sid: session.sid,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  };
  return signJwt(community.keys.active[client.metadata.id_token_signed_response_alg], claims, 'logout+jwt');
}

export class LogoutDeliveries {
  private readonly inFlight = new Set<Promise<void>>();
  /** Pending retry delays, with the function that ends each early (shutdown). */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(
    private readonly settings: Config['backchannelLogout'],
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Starts delivery to every client of the ended session that registered a back-channel URI. */
  notify(community: Community, clients: readonly ResolvedClient[], session: EndedSession): void {
    for (const client of clients) {
      if (!client.metadata.backchannel_logout_uri || this.closed) continue;
      const delivery = this.deliver(community, client, session).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** Resolves when every delivery started so far has succeeded or given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Cancels pending retries (shutdown); attempts already sent finish on their own. */
  close(): void {
    this.closed = true;
    for (const [timer, wake] of this.waits) {
      clearTimeout(timer);
      wake();
    }
    this.waits.clear();
  }

  private async deliver(community: Community, client: ResolvedClient, session: EndedSession): Promise<void> {
    const uri = client.metadata.backchannel_logout_uri!;
    const where = { community: community.name, client: client.metadata.client_id, sid: session.sid };
    const { attempts, retryMs, timeoutMs } = this.settings;
    let failure = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.closed) break;
      try {
        const token = await logoutToken(community, client, session, this.clock.now());
        const res = await fetch(uri, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ logout_token: token }).toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.body?.cancel();
        if (res.status >= 200 && res.status < 300) {
          this.log.info({ ...where, attempt }, 'back-channel logout delivered');
          return;
        }
        failure = `HTTP ${res.status}`;
      } catch (err) {
        failure = err instanceof Error ? err.message.slice(0, 200) : 'error';
      }
      this.log.warn({ ...where, attempt, failure }, 'back-channel logout attempt failed');
      if (attempt < attempts) await this.pause(retryMs * 2 ** (attempt - 1));
    }
    this.log.error({ ...where, attempts, failure: this.closed ? `${failure}; shutting down` : failure }, 'back-channel logout given up');
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.waits.set(timer, resolve);
    });
  }
}
