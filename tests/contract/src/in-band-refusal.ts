import type { Answer, RefusalKind } from './transport-driver.js';
import type { RpcAnswer } from './wire.js';

/** The core's refusal for two credentials, on every transport. */
export const TWO_CREDENTIALS = 'more than one access token was sent; send exactly one';

/**
 * Reads a JSON-RPC answer carried in band (a WebSocket message, a stdio line, an HTTP 200 body):
 * a result, or the one translation of each refusal every transport shares: `-32000 Too many
 * requests` with `retryAfterSeconds`; `-32001 insufficient_scope` with the required scopes;
 * `-32001 Unauthorized` with the reason; `-32600` naming two credentials. Anything else is an
 * error of the suite's own (the transport answered something no row expects).
 */
export function readInBand(answer: RpcAnswer): Answer {
  if (answer.result !== undefined) return { ok: true, result: answer.result };
  const error = answer.error;
  if (!error) throw new Error(`neither result nor error: ${JSON.stringify(answer)}`);
  const wire = `${error.code} ${error.message} ${JSON.stringify(error.data ?? null)}`;
  const kind = inBandKind(error);
  if (!kind) throw new Error(`an in-band error no policy row expects: ${wire}`);
  return { ok: false, refusal: { kind, wire } };
}

function inBandKind(error: NonNullable<RpcAnswer['error']>): RefusalKind | undefined {
  const data = error.data as Record<string, unknown> | string | undefined;
  if (error.code === -32000 && /^too many open .* per identity/.test(error.message))
    return 'limit-reached';
  if (error.code === -32000 && error.message === 'Too many requests')
    return typeof (data as { retryAfterSeconds?: unknown })?.retryAfterSeconds === 'number'
      ? 'rate-limited'
      : undefined;
  if (error.code === -32600 && data === TWO_CREDENTIALS) return 'two-credentials';
  if (error.code !== -32001) return undefined;
  if (error.message === 'insufficient_scope')
    return Array.isArray((data as { required_scopes?: unknown })?.required_scopes)
      ? 'insufficient-scope'
      : undefined;
  if (error.message !== 'Unauthorized') return undefined;
  return typeof data === 'string' && /requires DPoP|DPoP proof is required/i.test(data)
    ? 'dpop-required'
    : 'unauthorized';
}

/** The notification that acknowledges a listen stream. */
export const LISTEN_ACKNOWLEDGED = 'notifications/subscriptions/acknowledged';

/** The first message of a listen stream: its acknowledgement (a result), or its refusal. */
export function readListenOpening(message: RpcAnswer & { method?: string }): Answer {
  return message.method === LISTEN_ACKNOWLEDGED ? { ok: true, result: {} } : readInBand(message);
}

/** How a refusal reads in band (a JSON-RPC error on an open connection), on every transport. */
export const IN_BAND_TRANSLATION = {
  unauthorized: /^-32001 Unauthorized "/,
  'rate-limited': /^-32000 Too many requests \{"retryAfterSeconds":\d+\}/,
  'insufficient-scope': /^-32001 insufficient_scope \{/,
  'limit-reached': /^-32000 too many open subscriptions\/listen streams: at most \d+ per identity/,
} as const;

/** A translation that accepts either of two forms (at the connect, or in band). */
export function eitherForm(first: RegExp, second: RegExp): RegExp {
  return new RegExp(`${first.source}|${second.source}`);
}
