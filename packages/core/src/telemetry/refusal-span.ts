import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { AccessDecisionEvent } from '../audit.js';
import { telemetry } from './telemetry.js';

const METHOD_OF_KIND = {
  tool: 'tools/call',
  prompt: 'prompts/get',
  resource: 'resources/read',
} as const;

/**
 * The server span of a request refused for its scopes before any server saw it (an HTTP
 * transport's early check): named and attributed as the MCP request it was, with
 * `error.type` `insufficient_scope`, so the refusal shows in the trace like a served request.
 */
export function recordRefusedRequestSpan(event: AccessDecisionEvent): void {
  const { tracer } = telemetry();
  if (!tracer) return;
  const method = METHOD_OF_KIND[event.kind];
  const target = event.kind === 'resource' ? undefined : event.target;
  const span = tracer.startSpan(target ? `${method} ${target}` : method, {
    kind: SpanKind.SERVER,
    attributes: {
      'mcp.method.name': method,
      ...(event.kind === 'tool' && {
        'gen_ai.tool.name': event.target,
        'gen_ai.operation.name': 'execute_tool',
      }),
      ...(event.kind === 'prompt' && { 'gen_ai.prompt.name': event.target }),
      ...(event.kind === 'resource' && { 'mcp.resource.uri': event.target.slice(0, 512) }),
      'error.type': 'insufficient_scope',
      ...(event.subject && { 'user.id': event.subject }),
      ...(event.clientId && { 'portcullis.client.id': event.clientId }),
    },
  });
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'insufficient_scope' });
  span.end();
}
