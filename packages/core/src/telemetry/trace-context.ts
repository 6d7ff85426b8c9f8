import { type Context, context, propagation, type TextMapGetter, trace } from '@opentelemetry/api';
import { telemetry } from './telemetry.js';

/** HTTP request headers as Node.js presents them (lower-cased names). */
export type TraceHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

const metaGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * The trace context a 2026-07-28 request carries in `params._meta` (`traceparent`,
 * `tracestate`, `baggage`, unprefixed as SEP-414 and the MCP semantic conventions say),
 * extracted by the application's propagators; `undefined` when it carries none.
 */
export function contextFromMeta(meta: unknown): Context | undefined {
  if (meta === null || typeof meta !== 'object') return undefined;
  const bag = meta as Record<string, unknown>;
  if (typeof bag.traceparent !== 'string' && typeof bag.baggage !== 'string') return undefined;
  return propagation.extract(context.active(), bag, metaGetter);
}

/**
 * Runs `handle` in the trace context of an HTTP request's `traceparent`, `tracestate` and
 * `baggage` headers, so the spans Portcullis records while serving it join the caller's
 * trace. A no-op without tracing, without those headers, or when an HTTP instrumentation
 * already made a span of this request the active one.
 */
export function withTraceContext<T>(headers: TraceHeaders, handle: () => T): T {
  if (
    telemetry().tracer === undefined ||
    (headers.traceparent === undefined && headers.baggage === undefined) ||
    trace.getSpan(context.active()) !== undefined
  )
    return handle();
  return context.with(propagation.extract(context.active(), headers), handle);
}
