import {
  type Attributes,
  context,
  type Span,
  type SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { AuthError } from '../auth-error.js';
import { telemetry } from './telemetry.js';

/** The low-cardinality class of a failure: an `AuthError`'s code, else the error's name. */
export function errorTypeOf(error: unknown): string {
  if (error instanceof AuthError) return error.code;
  return error instanceof Error ? error.name : 'Error';
}

/**
 * Runs `work` as the active span `name` (a child of the active context): its failure sets
 * `error.type` and the span's status, and `judge` may mark a result as failed the same way.
 * Without tracing, it only runs `work`.
 */
export async function inSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  work: () => T | Promise<T>,
  judge?: (result: T) => string | undefined,
): Promise<T> {
  const { tracer } = telemetry();
  if (!tracer) return work();
  const span = tracer.startSpan(name, { kind, attributes });
  try {
    const result = await context.with(trace.setSpan(context.active(), span), work);
    const failure = judge?.(result);
    if (failure !== undefined) fail(span, failure);
    return result;
  } catch (error) {
    fail(span, errorTypeOf(error));
    throw error;
  } finally {
    span.end();
  }
}

function fail(span: Span, errorType: string): void {
  span.setAttribute('error.type', errorType);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
