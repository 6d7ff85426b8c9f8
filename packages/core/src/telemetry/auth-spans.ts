import {
  type Attributes,
  type Counter,
  context,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Admission } from '../admission/admission-entry.js';
import { errorTypeOf, inSpan } from './in-span.js';
import { type Instruments, telemetry } from './telemetry.js';

/** Counts `work`'s outcome on a counter of the instruments, when metrics are on. */
async function counted<T>(
  counter: (instruments: Instruments) => Counter,
  work: () => Promise<T>,
): Promise<T> {
  const { instruments } = telemetry();
  if (!instruments) return work();
  try {
    const result = await work();
    counter(instruments).add(1, { 'portcullis.outcome': 'success' });
    return result;
  } catch (error) {
    counter(instruments).add(1, {
      'portcullis.outcome': 'failure',
      'error.type': errorTypeOf(error),
    });
    throw error;
  }
}

/**
 * One admission that reads and verifies credentials (an HTTP request, a WebSocket upgrade or
 * re-authentication, a stdio start): the span `portcullis.authenticate`, whose refusal sets
 * `error.type` to the refusal's code, and `portcullis.admission.duration`. Never a token or a proof.
 */
export async function observeAdmission(
  transport: string,
  admit: () => Promise<Admission>,
): Promise<Admission> {
  const { tracer, instruments } = telemetry();
  if (!tracer && !instruments) return admit();
  const attributes: Attributes = { 'portcullis.transport': transport };
  const started = performance.now();
  const span = tracer?.startSpan('portcullis.authenticate', {
    kind: SpanKind.INTERNAL,
    attributes,
  });
  try {
    const admission = span
      ? await context.with(trace.setSpan(context.active(), span), admit)
      : await admit();
    const refusal = admission.admitted ? undefined : admission.refusal.code;
    if (refusal !== undefined) {
      attributes['error.type'] = refusal;
      span?.setAttribute('error.type', refusal);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: refusal });
    }
    return admission;
  } finally {
    instruments?.admissionDuration.record((performance.now() - started) / 1000, attributes);
    span?.end();
  }
}

const HIT = { 'portcullis.token_cache.result': 'hit' };
const MISS = { 'portcullis.token_cache.result': 'miss' };

/** A token served from the verified-token cache: counted, and a span when tracing. */
export function recordTokenCacheHit(): void {
  const { tracer, instruments } = telemetry();
  instruments?.tokenCacheLookups.add(1, HIT);
  tracer
    ?.startSpan('portcullis.verify_token', {
      kind: SpanKind.INTERNAL,
      attributes: { 'portcullis.token_cache.hit': true },
    })
    .end();
}

/** A token the cache did not hold, verified by `verify` in the span `portcullis.verify_token`. */
export function observeTokenCacheMiss<T>(verify: () => Promise<T>): Promise<T> {
  telemetry().instruments?.tokenCacheLookups.add(1, MISS);
  return inSpan(
    'portcullis.verify_token',
    SpanKind.INTERNAL,
    { 'portcullis.token_cache.hit': false },
    verify,
  );
}

/** One JWKS fetch: the CLIENT span `portcullis.jwks.fetch` and `portcullis.jwks.fetches`. */
export function observeJwksFetch<T>(uri: string | URL, fetch: () => Promise<T>): Promise<T> {
  return counted(
    (instruments) => instruments.jwksFetches,
    () => inSpan('portcullis.jwks.fetch', SpanKind.CLIENT, { 'url.full': String(uri) }, fetch),
  );
}

/**
 * One introspection request: the CLIENT span `portcullis.introspection` and
 * `portcullis.introspection.requests`. The endpoint only: the token stays in the body.
 */
export function observeIntrospection<T>(
  endpoint: string | URL,
  post: () => Promise<T>,
): Promise<T> {
  return counted(
    (instruments) => instruments.introspections,
    () =>
      inSpan('portcullis.introspection', SpanKind.CLIENT, { 'url.full': String(endpoint) }, post),
  );
}
