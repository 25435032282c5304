/**
 * A failed upstream sign-in, shown to the user on an error page with status 400 and a plain message (never a 5xx:
 * whether the browser, the request or the upstream is at fault, the sign-in cannot go on and the user is told why).
 */
export class UpstreamLoginError extends Error {
  readonly status = 400;
  constructor(
    /** A short machine-readable code shown on the page (e.g. `invalid_id_token`). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
