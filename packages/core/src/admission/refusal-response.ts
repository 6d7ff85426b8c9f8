import type { AuthError } from '../auth-error.js';
import { UNAUTHORIZED_ERROR_CODE } from '../challenge.js';
import { errorResponse, type RequestId } from '../json-rpc.js';

/** JSON-RPC error code of a request over the caller's rate limit. */
export const RATE_LIMITED_ERROR_CODE = -32000;

/**
 * The in-band JSON-RPC answer to a refused admission, for transports without HTTP statuses
 * (a WebSocket message, a stdio line): `-32000` with `retryAfterSeconds` over the rate limit,
 * else `-32001 Unauthorized` with the reason (DPoP errors name their code, and a
 * `use_dpop_nonce` carries the nonce to retry with).
 */
export function refusalResponse(refusal: AuthError, id: RequestId | null) {
  switch (refusal.code) {
    case 'rate_limited':
      return errorResponse(id, RATE_LIMITED_ERROR_CODE, 'Too many requests', {
        retryAfterSeconds: refusal.retryAfterSeconds,
      });
    case 'use_dpop_nonce':
      return errorResponse(id, UNAUTHORIZED_ERROR_CODE, 'Unauthorized', {
        error: refusal.code,
        message: refusal.message,
        dpopNonce: refusal.dpopNonce,
      });
    case 'invalid_dpop_proof':
      return errorResponse(id, UNAUTHORIZED_ERROR_CODE, 'Unauthorized', {
        error: refusal.code,
        message: refusal.message,
      });
    default:
      return errorResponse(id, UNAUTHORIZED_ERROR_CODE, 'Unauthorized', refusal.message);
  }
}
