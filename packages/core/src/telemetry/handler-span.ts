import { SpanKind } from '@opentelemetry/api';
import { inSpan } from './in-span.js';

const NO_ATTRIBUTES = {};

/** `tool_error` for a tool result with `isError`, as the MCP semantic conventions say. */
const toolError = (result: unknown) =>
  (result as { isError?: unknown } | undefined)?.isError === true ? 'tool_error' : undefined;

/**
 * Runs a tool, prompt or resource handler in its own span, `handler {target}` (a child of the
 * request's span), so the application's own time is told apart from Portcullis's. Without
 * tracing, it only runs it.
 */
export function traceHandler<T>(target: string, handler: () => T | Promise<T>): Promise<T> {
  return inSpan(`handler ${target}`, SpanKind.INTERNAL, NO_ATTRIBUTES, handler, toolError);
}
