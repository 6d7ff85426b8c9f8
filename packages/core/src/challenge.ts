import type { AuthError, AuthScheme } from './auth-error.js';
import { errorResponse } from './json-rpc.js';
import { formatBearerChallenge, formatChallenge } from './www-authenticate.js';

/** A JSON-RPC request id, or `null` when the request's id is unknown. */
export type JsonRpcId = string | number | null;

/** An HTTP answer any adapter can write out as it is. */
export interface Challenge {
  status: number;
  headers: Record<string, string>;
  /** A JSON-RPC error response, so plain JSON clients can read the reason from the body. */
  body: {
    jsonrpc: '2.0';
    id: JsonRpcId;
    error: { code: number; message: string; data?: unknown };
  };
}

/** What a challenge says besides the error itself. */
export interface ChallengeContext {
  /** URL of this resource's Protected Resource Metadata (RFC 9728), when it has one. */
  resourceMetadataUrl?: string;
  /** Scopes to ask for on a 401, so a client knows what to request. */
  scopes?: readonly string[];
  /** Optional `realm` (Casdoor sends `realm="casdoor"`). */
  realm?: string;
  /** The id of the JSON-RPC request being refused, when known. */
  requestId?: JsonRpcId;
  /**
   * DPoP (RFC 9449), when the resource accepts it: the proof algorithms it verifies, and whether
   * it requires DPoP (then only a `DPoP` challenge is offered; else `Bearer` and `DPoP`).
   * Absent: `Bearer` only, as before.
   */
  dpop?: { algorithms: readonly string[]; required: boolean };
}

/** JSON-RPC error code of authentication and authorization failures (Casdoor's choice). */
export const UNAUTHORIZED_ERROR_CODE = -32001;

/**
 * `Retry-After` as delta-seconds (RFC 9110 §10.2.3): a whole number of at least 1, at most
 * 2^31 (where §1.2.2 lets recipients cap it), whatever a rate limiter returned (`NaN`: 1).
 */
function deltaSeconds(seconds: number | undefined): string {
  const whole = Math.ceil(seconds ?? 1);
  return String(Number.isNaN(whole) ? 1 : Math.min(Math.max(1, whole), 2 ** 31));
}

const unionOf = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];

/**
 * Turns any {@link AuthError} into the HTTP answer the specs ask for:
 *
 * - 401 with `WWW-Authenticate: Bearer resource_metadata="…", scope="…"`, adding
 *   `error="invalid_token"` only when a token was sent;
 * - 403 `error="insufficient_scope"` whose `scope` is the granted plus the needed scopes, so a
 *   client can step up to one token that does everything it did before and the new thing;
 * - 400 `invalid_request`, 429 with `Retry-After`, 503 when tokens cannot be checked, 403
 *   without a challenge for a refused `Host` or `Origin` (`forbidden`);
 * - with DPoP accepted (`context.dpop`): 401 `invalid_dpop_proof` and `use_dpop_nonce` (with a
 *   `DPoP-Nonce` header) under the `DPoP` scheme with `algs`, and both `Bearer` and `DPoP`
 *   offered where DPoP is optional (RFC 9449 §7.1).
 */
export function createChallenge(error: AuthError, context: ChallengeContext): Challenge {
  const id = context.requestId ?? null;
  const dpop = context.dpop;
  /**
   * The `WWW-Authenticate` value: without DPoP, the `Bearer` challenge exactly as before. With
   * DPoP, the error goes under the scheme the credential came with (`DPoP` for proof errors),
   * and on a 401 every other accepted scheme is offered too, without the error.
   */
  const challenges = (params: Record<string, string | undefined>, offerOthers: boolean) => {
    if (!dpop) return formatBearerChallenge(params);
    const accepted: AuthScheme[] = dpop.required ? ['DPoP'] : ['Bearer', 'DPoP'];
    const failing: AuthScheme =
      error.scheme && accepted.includes(error.scheme) ? error.scheme : accepted[0]!;
    const { error: _code, error_description: _description, ...plain } = params;
    const render = (scheme: AuthScheme, values: Record<string, string | undefined>) =>
      formatChallenge(
        scheme,
        scheme === 'DPoP' ? { ...values, algs: dpop.algorithms.join(' ') } : values,
      );
    return (offerOthers ? accepted : [failing])
      .map((scheme) => render(scheme, scheme === failing ? params : plain))
      .join(', ');
  };
  const base = { realm: context.realm, resource_metadata: context.resourceMetadataUrl };
  const json = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  const answer = (
    status: number,
    headers: Record<string, string>,
    code: number,
    message: string,
    data: unknown,
  ): Challenge => ({
    status,
    headers: { ...json, ...headers },
    body: errorResponse(id, code, message, data) as Challenge['body'],
  });

  switch (error.code) {
    case 'missing_token':
    case 'invalid_token':
    case 'invalid_dpop_proof':
    case 'use_dpop_nonce':
      return answer(
        401,
        {
          'www-authenticate': challenges(
            {
              ...base,
              scope: context.scopes?.join(' '),
              ...(error.code !== 'missing_token' && {
                error: error.code,
                error_description: error.message,
              }),
            },
            true,
          ),
          ...(error.dpopNonce !== undefined && { 'dpop-nonce': error.dpopNonce }),
        },
        UNAUTHORIZED_ERROR_CODE,
        'Unauthorized',
        error.message,
      );
    case 'insufficient_scope':
      return answer(
        403,
        {
          'www-authenticate': challenges(
            {
              error: 'insufficient_scope',
              scope: unionOf(error.grantedScopes, error.requiredScopes).join(' '),
              ...base,
              error_description: error.message,
            },
            false,
          ),
        },
        UNAUTHORIZED_ERROR_CODE,
        'insufficient_scope',
        error.data,
      );
    case 'invalid_request':
      return answer(
        400,
        {
          'www-authenticate': challenges(
            {
              error: 'invalid_request',
              error_description: error.message,
              ...base,
            },
            true,
          ),
        },
        -32600,
        'Invalid Request',
        error.message,
      );
    case 'rate_limited':
      return answer(
        429,
        { 'retry-after': deltaSeconds(error.retryAfterSeconds) },
        -32000,
        'Too many requests',
        error.message,
      );
    case 'forbidden':
      return answer(403, {}, -32600, error.message, undefined);
    case 'unavailable':
      return answer(
        503,
        { 'retry-after': '5' },
        -32603,
        'Authorization unavailable',
        error.message,
      );
  }
}
