import { context, propagation, type Span, trace } from '@opentelemetry/api';
import {
  createJwtVerifier,
  createPortcullis,
  createRegistry,
  defineTool,
  type Logger,
  type Portcullis,
} from '@portcullis/core';
import type { AuthorizationServer } from '@portcullis/testing';
import { z } from 'zod';

/** A tool argument no export may ever contain. */
export const SECRET_ARGUMENT = 'argument-that-must-never-be-exported';

/** The tools every transport serves: one open to any token, one needing `notes:write`. */
export function observedRegistry() {
  return createRegistry({
    tools: [
      defineTool({
        name: 'whoami',
        description: 'Who calls.',
        scopes: [],
        input: z.object({ note: z.string().optional() }),
        // The baggage of the caller's trace context reaches the handler.
        handler: (_args, { auth }) => {
          const tenant = propagation.getActiveBaggage()?.getEntry('tenant.id')?.value;
          return { content: [{ type: 'text', text: `${auth?.subject} ${tenant ?? '-'}` }] };
        },
      }),
      defineTool({
        name: 'write_note',
        description: 'Writes a note.',
        scopes: ['notes:write'],
        input: z.object({ text: z.string() }),
        handler: () => ({ content: [{ type: 'text', text: 'written' }] }),
      }),
    ],
  });
}

/** A warn (or error) line a logger received. */
export interface LogLine {
  level: 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string | undefined;
}

/** A logger keeping its warn and error lines, as a pino logger at `warn` would write them. */
export function recordingLogger(lines: LogLine[]): Logger {
  return {
    debug() {},
    info() {},
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
}

/** A protected Portcullis trusting `as`, for the resource at `resource`. */
export function observedPortcullis(
  as: AuthorizationServer,
  resource: string,
  lines: LogLine[],
): Portcullis {
  return createPortcullis({
    resource,
    server: { name: 'observed', version: '1.0.0' },
    registry: observedRegistry(),
    verifier: createJwtVerifier({ issuers: [as.issuer], audience: resource }),
    authorizationServers: [as.issuer],
    logger: recordingLogger(lines),
  });
}

/**
 * A client-side span, as an instrumented MCP client would start one, and its W3C trace
 * context (`traceparent`, `baggage`) to put in a request's `_meta` or HTTP headers.
 */
export function clientSpan(name: string): { span: Span; carrier: Record<string, string> } {
  const span = trace.getTracer('observability-test-client').startSpan(name);
  const carrier: Record<string, string> = {};
  const withBaggage = propagation.setBaggage(
    trace.setSpan(context.active(), span),
    propagation.createBaggage({ 'tenant.id': { value: 'tenant-7' } }),
  );
  propagation.inject(withBaggage, carrier);
  span.end();
  return { span, carrier };
}
