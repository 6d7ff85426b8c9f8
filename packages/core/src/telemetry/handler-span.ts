import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { errorTypeOf } from './auth-spans.js';
import { telemetry } from './telemetry.js';

/**
 * Runs a tool, prompt or resource handler in its own span, `handler {target}` (a child of the
 * request's span), so the application's own time is told apart from Portcullis's. A tool
 * result with `isError` sets `error.type` to `tool_error`. Without tracing, it only runs it.
 */
export async function traceHandler<T>(target: string, handler: () => T | Promise<T>): Promise<T> {
  const { tracer } = telemetry();
  if (!tracer) return handler();
  const span = tracer.startSpan(`handler ${target}`, { kind: SpanKind.INTERNAL });
  try {
    const result = await context.with(trace.setSpan(context.active(), span), handler);
    if ((result as { isError?: unknown } | undefined)?.isError === true) {
      span.setAttribute('error.type', 'tool_error');
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return result;
  } catch (error) {
    span.setAttribute('error.type', errorTypeOf(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
