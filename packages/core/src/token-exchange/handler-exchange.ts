import type { AuthInfo } from '../auth-info.js';
import { UNAUTHORIZED_ERROR_CODE } from '../challenge.js';
import type { HandlerContext } from '../handler-context.js';
import { JsonRpcError } from '../json-rpc-error.js';
import { TokenExchangeError } from './token-exchange-error.js';
import type { TokenExchanger } from './token-exchanger.js';

/** The `exchange` of a handler's context: the caller's token, this request's signal and transport. */
export function exchangeFor(
  exchanger: TokenExchanger | undefined,
  auth: AuthInfo | undefined,
  signal: AbortSignal,
  transport: string,
): HandlerContext['exchange'] {
  return async (request) => {
    if (!exchanger)
      throw new TokenExchangeError(
        'not_configured',
        'token exchange is not configured: pass tokenExchange to createPortcullis',
      );
    if (!auth)
      throw new TokenExchangeError(
        'not_configured',
        'token exchange needs a verified caller, and authorization is off',
      );
    return exchanger.exchange(auth, request, signal, transport);
  };
}

/**
 * The `insufficient_scope` refusal (JSON-RPC `-32001`, as for a call refused on admission) for
 * a token exchange that failed because the caller's own token lacks scopes: the MCP client
 * asks its user for them and retries. `undefined` for any other error.
 */
export function stepUpRefusal(error: unknown): JsonRpcError | undefined {
  if (!(error instanceof TokenExchangeError) || !error.needsStepUp) return undefined;
  const missing = error.missingCallerScopes;
  return new JsonRpcError(UNAUTHORIZED_ERROR_CODE, 'insufficient_scope', {
    required_scope: missing[0],
    required_scopes: [...missing],
    granted_scopes: [...error.grantedCallerScopes],
    reason: error.message,
  });
}
