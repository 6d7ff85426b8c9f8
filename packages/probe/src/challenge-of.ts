import { parseChallenge } from '@portcullis/core/client';
import { fail, pass, type Verdict } from './check-result.js';
import type { McpExchange } from './probe-context.js';

/** The `Bearer` (or else `DPoP`) challenge of an answer's `WWW-Authenticate`, with its scheme. */
export function challengeOf(
  headers: Record<string, string>,
): { scheme: 'Bearer' | 'DPoP'; params: Record<string, string> } | undefined {
  const header = headers['www-authenticate'];
  const bearer = parseChallenge(header, 'Bearer');
  if (bearer) return { scheme: 'Bearer', params: bearer };
  const dpop = parseChallenge(header, 'DPoP');
  return dpop ? { scheme: 'DPoP', params: dpop } : undefined;
}

/** Whether a JSON-RPC error is the in-band authorization dialect (`-32001`, HTTP 200). */
export const isInBandAuthError = (exchange: McpExchange) =>
  exchange.status === 200 && exchange.answer?.error?.code === -32001;

/**
 * The verdict on an answer that must be a refusal with `401` and a challenge (RFC 6750 §3),
 * optionally with `error="invalid_token"` (RFC 6750 §3.1); names the in-band `-32001` dialect
 * and a request that ran when it sees them.
 */
export function expectUnauthorized(exchange: McpExchange, invalidToken: boolean): Verdict {
  const challenge = challengeOf(exchange.headers);
  const error = challenge?.params.error;
  if (exchange.status === 401 && challenge) {
    if (invalidToken && error !== 'invalid_token')
      return fail(
        `401 with a ${challenge.scheme} challenge, but its error is ${error ? `"${error}"` : 'missing'}, not "invalid_token"`,
        exchange.evidence,
      );
    return pass(
      `401 with a ${challenge.scheme} challenge${error ? ` (error="${error}")` : ''}`,
      exchange.evidence,
    );
  }
  if (isInBandAuthError(exchange))
    return fail(
      'answered HTTP 200 with the in-band -32001 error instead of 401 with a challenge',
      exchange.evidence,
    );
  if (exchange.status === 401)
    return fail('401 without a WWW-Authenticate Bearer or DPoP challenge', exchange.evidence);
  if (exchange.status === undefined)
    return fail(`no answer: ${exchange.evidence.error}`, exchange.evidence);
  if (exchange.answer?.result)
    return fail(
      `answered ${exchange.status} with a result: the request was served`,
      exchange.evidence,
    );
  return fail(`answered ${exchange.status}, not 401`, exchange.evidence);
}
