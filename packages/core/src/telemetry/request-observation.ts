import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { AuthInfo } from '../auth-info.js';
import { telemetry } from './telemetry.js';
import { contextFromMeta } from './trace-context.js';

/** What the server factory tells the channel about a server, for its request spans. */
export interface ServerLabels {
  /** The transport the server was built for (`streamable-http`, `websocket`, `stdio`…). */
  transport: string;
  /** Whether a tool (or prompt) of this name is registered: only those name spans and series. */
  hasTool(name: string): boolean;
  hasPrompt(name: string): boolean;
}

/** One MCP request being served, from its dispatch to its response. */
export interface RequestObservation {
  /** The context to dispatch the request in: its span is the active one there. */
  readonly context: Context;
  /** Marks the request refused, for `error.type` (e.g. `insufficient_scope`). */
  refuse(reason: string): void;
  /** Records the response (`undefined`: the client went away first). */
  end(response: Readonly<Record<string, unknown>> | undefined): void;
}

/** What a channel knows of one request it dispatches. */
export interface ObservedRequest {
  method: string;
  id: unknown;
  params: unknown;
  auth: AuthInfo | undefined;
  sessionId: string | undefined;
  protocolVersion: string | undefined;
}

const OBSERVATION = createContextKey('@portcullis/core request observation');

/** The request being served in the active context, if it is observed. */
export function activeObservation(): RequestObservation | undefined {
  return context.active().getValue(OBSERVATION) as RequestObservation | undefined;
}

/** Methods a client may send: anything else is named `_OTHER`, never the caller's text. */
const CLIENT_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'subscriptions/listen',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/list',
  'tasks/result',
  'tasks/cancel',
]);

const RESOURCE_METHODS = new Set([
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
]);

/** The longest resource URI recorded on a span; a longer one is cut. */
const MAX_URI_LENGTH = 512;

/**
 * The MCP semantic conventions' attributes of a request that metrics may carry too: method,
 * registered target, protocol version and transport. Never the caller's arguments.
 */
function operationAttributes(request: ObservedRequest, labels: ServerLabels): Attributes {
  const method = CLIENT_METHODS.has(request.method) ? request.method : '_OTHER';
  const attributes: Attributes = {
    'mcp.method.name': method,
    'network.transport': labels.transport === 'stdio' ? 'pipe' : 'tcp',
  };
  if (labels.transport === 'streamable-http') attributes['network.protocol.name'] = 'http';
  else if (labels.transport === 'websocket') attributes['network.protocol.name'] = 'websocket';
  if (request.protocolVersion) attributes['mcp.protocol.version'] = request.protocolVersion;
  const name = (request.params as { name?: unknown } | undefined)?.name;
  if (typeof name === 'string') {
    if (method === 'tools/call' && labels.hasTool(name)) {
      attributes['gen_ai.tool.name'] = name;
      attributes['gen_ai.operation.name'] = 'execute_tool';
    } else if (method === 'prompts/get' && labels.hasPrompt(name)) {
      attributes['gen_ai.prompt.name'] = name;
    }
  }
  return attributes;
}

function spanName(attributes: Attributes): string {
  const method = attributes['mcp.method.name'] as string;
  const target = attributes['gen_ai.tool.name'] ?? attributes['gen_ai.prompt.name'];
  return target === undefined ? method : `${method} ${target}`;
}

function startSpan(
  request: ObservedRequest,
  attributes: Attributes,
): { span: Span; parent: Context } {
  const tracer = telemetry().tracer!;
  const ambient = context.active();
  // The caller's MCP span (from `_meta`) is the parent; the transport's context is a link.
  const fromMeta = contextFromMeta((request.params as { _meta?: unknown } | undefined)?._meta);
  const ambientSpan = trace.getSpanContext(ambient);
  const links: Link[] | undefined =
    fromMeta && ambientSpan && trace.isSpanContextValid(ambientSpan)
      ? [{ context: ambientSpan }]
      : undefined;
  const parent = fromMeta ?? ambient;
  const span = tracer.startSpan(
    spanName(attributes),
    { kind: SpanKind.SERVER, attributes, ...(links && { links }) },
    parent,
  );
  // The rest only for a span that is kept (sampled): nothing is built for a dropped one.
  if (!span.isRecording()) return { span, parent };
  if (request.id !== undefined && request.id !== null)
    span.setAttribute('jsonrpc.request.id', String(request.id));
  if (request.sessionId) span.setAttribute('mcp.session.id', request.sessionId);
  const uri = (request.params as { uri?: unknown } | undefined)?.uri;
  if (RESOURCE_METHODS.has(request.method) && typeof uri === 'string')
    span.setAttribute('mcp.resource.uri', uri.slice(0, MAX_URI_LENGTH));
  if (request.auth) {
    span.setAttribute('user.id', request.auth.subject);
    span.setAttribute('portcullis.client.id', request.auth.clientId);
  }
  return { span, parent };
}

/** `error.type` of a response, as the MCP semantic conventions define it. */
function responseErrorType(response: Readonly<Record<string, unknown>>): string | undefined {
  const error = response.error as { code?: unknown } | undefined;
  if (error) return String(error.code);
  if ((response.result as { isError?: unknown } | undefined)?.isError === true) return 'tool_error';
  return undefined;
}

/**
 * Starts observing one request: a SERVER span named and attributed per the MCP semantic
 * conventions (parented on the trace context of its `_meta`, linked to the transport's), and
 * its `mcp.server.operation.duration`. `undefined`, at no cost, when nothing is configured.
 */
export function observeRequest(
  request: ObservedRequest,
  labels: ServerLabels,
): RequestObservation | undefined {
  const { tracer, instruments } = telemetry();
  if (!tracer && !instruments) return undefined;
  const started = performance.now();
  const attributes = operationAttributes(request, labels);
  const traced = tracer ? startSpan(request, attributes) : undefined;
  let refusal: string | undefined;
  const base = traced ? trace.setSpan(traced.parent, traced.span) : context.active();
  const observation: RequestObservation = {
    get context() {
      return dispatchContext;
    },
    refuse(reason) {
      refusal = reason;
    },
    end(response) {
      const errorType = response
        ? (refusal ?? responseErrorType(response))
        : (refusal ?? 'cancelled');
      if (errorType !== undefined) attributes['error.type'] = errorType;
      instruments?.operationDuration.record((performance.now() - started) / 1000, attributes);
      if (!traced) return;
      const { span } = traced;
      if (errorType !== undefined) {
        const error = response?.error as { code?: unknown; message?: unknown } | undefined;
        span.setAttribute('error.type', errorType);
        if (error) span.setAttribute('rpc.response.status_code', String(error.code));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          ...(typeof error?.message === 'string' && { message: error.message }),
        });
      }
      span.end();
    },
  };
  const dispatchContext = base.setValue(OBSERVATION, observation);
  return observation;
}
