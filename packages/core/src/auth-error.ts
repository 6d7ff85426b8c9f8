/**
 * Why a request was not let through. Each code maps to one HTTP answer in `createChallenge`:
 *
 * - `missing_token`: no credentials at all (401, no `error` attribute, per RFC 6750 §3.1);
 * - `invalid_token`: a token was sent and refused (401, `error="invalid_token"`);
 * - `invalid_request`: the request itself is malformed, e.g. two credentials (400);
 * - `insufficient_scope`: a valid token without the scopes needed (403, step-up);
 * - `rate_limited`: the caller is over its budget (429 with `Retry-After`);
 * - `unavailable`: the token could not be checked at all, e.g. no JWKS reachable (503). The
 *   request is refused: verification fails closed;
 * - `invalid_dpop_proof`: a DPoP proof is missing, malformed, or does not match the request or
 *   the token (401, `DPoP error="invalid_dpop_proof"`, RFC 9449 §7.1);
 * - `use_dpop_nonce`: the proof must carry the server's current nonce (401 with a `DPoP-Nonce`
 *   header, RFC 9449 §9);
 * - `forbidden`: a `Host` this resource does not answer to, or a foreign browser `Origin` (403,
 *   no challenge: no credential would help).
 */
export type AuthErrorCode =
  | 'missing_token'
  | 'invalid_token'
  | 'invalid_request'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'forbidden';

/** The `Authorization` scheme a credential came with: a challenge names its error under it. */
export type AuthScheme = 'Bearer' | 'DPoP';

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
  /** The scheme the refused credential was sent with; the challenge names the error under it. */
  scheme?: AuthScheme;
  /** A fresh DPoP nonce to send in the `DPoP-Nonce` header (set for `use_dpop_nonce`). */
  dpopNonce?: string;
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
  readonly scheme: AuthScheme | undefined;
  readonly dpopNonce: string | undefined;

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.requiredScopes = options.requiredScopes ?? [];
    this.grantedScopes = options.grantedScopes ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.data = options.data;
    this.scheme = options.scheme;
    this.dpopNonce = options.dpopNonce;
  }

  /** The same failure, naming the scheme the credential came with (for the challenge). */
  withScheme(scheme: AuthScheme): AuthError {
    if (this.scheme === scheme) return this;
    return new AuthError(this.code, this.message, {
      requiredScopes: this.requiredScopes,
      grantedScopes: this.grantedScopes,
      retryAfterSeconds: this.retryAfterSeconds,
      data: this.data,
      cause: this.cause,
      scheme,
      dpopNonce: this.dpopNonce,
    });
  }
}

/** Shorthand for the most common failure: a token that was sent and refused. */
export function invalidToken(message: string, cause?: unknown): AuthError {
  return new AuthError('invalid_token', message, { cause });
}

/** A refused DPoP proof (RFC 9449 §7.1): always named under the `DPoP` scheme. */
export function invalidDpopProof(message: string, cause?: unknown): AuthError {
  return new AuthError('invalid_dpop_proof', message, { cause, scheme: 'DPoP' });
}
