/** A failed upstream sign-in: shown to the user on an error page (400 or 502), never as a 5xx stack trace. */
export class UpstreamLoginError extends Error {
  constructor(
    /** A short machine-readable code shown on the page (e.g. `invalid_id_token`). */
    readonly code: string,
    message: string,
    /** 400: the request or the browser is at fault; 502: the upstream answered wrongly or not at all. */
    readonly status: 400 | 502 = 400,
  ) {
    super(message);
  }
}
