/**
 * Why a token exchange failed. The first five are the authorization server's own RFC 6749 /
 * RFC 8693 error codes (or the same check made locally, before any request); the rest are
 * Portcullis's own.
 *
 * - `invalid_target`: the audience or resource is not one this server may exchange for;
 * - `invalid_scope`: a scope is not allowed for that target (or not in the caller's grant);
 * - `unauthorized_client`: the MCP server's client may not use token exchange;
 * - `invalid_grant`: the caller's token was refused as `subject_token`;
 * - `invalid_request`, `invalid_client`, `unsupported_grant_type`: a setup problem;
 * - `not_configured`: the server was created without `tokenExchange`;
 * - `unavailable`: the token endpoint could not be reached or answered nonsense.
 */
export type TokenExchangeErrorCode =
  | 'invalid_target'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'invalid_grant'
  | 'invalid_request'
  | 'invalid_client'
  | 'unsupported_grant_type'
  | 'not_configured'
  | 'unavailable';

/** Options for {@link TokenExchangeError}. */
export interface TokenExchangeErrorOptions {
  /** `local` when refused before any request; `authorization-server` when the server said so. */
  source?: 'local' | 'authorization-server';
  /** The token endpoint's HTTP status, when it answered. */
  status?: number;
  /**
   * Scopes the caller's own token lacks for this exchange: set when the authorization server
   * refused a scope the caller was never granted. A handler that lets this error escape
   * answers the MCP client with `insufficient_scope` naming them, so it can step up.
   */
  missingCallerScopes?: readonly string[];
  /** The scopes the caller's token carries, with `missingCallerScopes`. */
  grantedCallerScopes?: readonly string[];
  cause?: unknown;
}

/**
 * A refused or failed token exchange, with a `code` a handler can act on. Its message never
 * contains a token, and is safe to show to the MCP client as a tool error.
 */
export class TokenExchangeError extends Error {
  override readonly name = 'TokenExchangeError';
  readonly code: TokenExchangeErrorCode;
  readonly source: 'local' | 'authorization-server';
  readonly status: number | undefined;
  readonly missingCallerScopes: readonly string[];
  readonly grantedCallerScopes: readonly string[];

  constructor(
    code: TokenExchangeErrorCode,
    message: string,
    options: TokenExchangeErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.source = options.source ?? 'local';
    this.status = options.status;
    this.missingCallerScopes = options.missingCallerScopes ?? [];
    this.grantedCallerScopes = options.grantedCallerScopes ?? [];
  }

  /** Whether the MCP client could fix this by getting a token with more scopes. */
  get needsStepUp(): boolean {
    return this.missingCallerScopes.length > 0;
  }
}
