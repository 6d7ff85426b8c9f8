/**
 * Why a request was not let through. Each code maps to one HTTP answer in `createChallenge`:
 *
 * - `missing_token`: no credentials at all (401, no `error` attribute, per RFC 6750 §3.1);
 * - `invalid_token`: a token was sent and refused (401, `error="invalid_token"`);
 * - `invalid_request`: the request itself is malformed, e.g. two credentials (400);
 * - `insufficient_scope`: a valid token without the scopes needed (403, step-up);
 * - `rate_limited`: the caller is over its budget (429 with `Retry-After`);
 * - `unavailable`: the token could not be checked at all, e.g. no JWKS reachable (503). The
 *   request is refused: verification fails closed.
 */
export type AuthErrorCode =
  | 'missing_token'
  | 'invalid_token'
  | 'invalid_request'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'unavailable';

/** Options for {@link AuthError}. */
export interface AuthErrorOptions {
  /** Scopes the request needs; set for `insufficient_scope`. */
  requiredScopes?: readonly string[];
  /** Scopes the caller holds; set for `insufficient_scope`. */
  grantedScopes?: readonly string[];
  /** Seconds until the caller may retry; set for `rate_limited`. */
  retryAfterSeconds?: number;
  /** JSON-RPC `data` to send with the error (the denial details of `insufficient_scope`). */
  data?: unknown;
  /** The underlying failure, for logs. Never shown to the caller. */
  cause?: unknown;
}

/**
 * An authentication or authorization failure. The message is safe to show to the caller: it
 * names what was expected and what was found, but never contains the token.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: AuthErrorCode;
  readonly requiredScopes: readonly string[];
  readonly grantedScopes: readonly string[];
  readonly retryAfterSeconds: number | undefined;
  readonly data: unknown;

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.requiredScopes = options.requiredScopes ?? [];
    this.grantedScopes = options.grantedScopes ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.data = options.data;
  }
}

/** Shorthand for the most common failure: a token that was sent and refused. */
export function invalidToken(message: string, cause?: unknown): AuthError {
  return new AuthError('invalid_token', message, { cause });
}
