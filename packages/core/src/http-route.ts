import { decodeHeaderValue } from './header-value.js';
import { classifyInbound, isWellFormedRequest } from './inbound-classification.js';
import { JsonRpcErrorCode, type RequestId } from './json-rpc.js';
import type { JSONRPCMessage } from './mcp-types.js';
import { paramHeaderMismatch } from './param-headers.js';
import {
  legacyProtocolVersions,
  modernProtocolVersions,
  unsupportedRevision,
} from './protocol-versions.js';
import type { Registry } from './registry.js';

/** `HeaderMismatch`: the HTTP headers and the body disagree, or a required header is missing. */
export const HEADER_MISMATCH_ERROR_CODE = -32020;
/** `UnsupportedProtocolVersion` (2026-07-28). */
export const UNSUPPORTED_VERSION_ERROR_CODE = -32022;

/** The headers of an HTTP POST that decide its era and name its target. */
export interface McpRequestHeaders {
  /** `MCP-Protocol-Version`. */
  protocolVersion: string | undefined;
  /** `Mcp-Method`. */
  method: string | undefined;
  /** `Mcp-Name`, as sent (it may be Base64-encoded). */
  name: string | undefined;
  /** Any other header, by lower-case name (for `Mcp-Param-*`). */
  get(name: string): string | undefined;
}

/** A JSON-RPC message of the 2026-07-28 era, checked against its headers. */
export type ModernMessage = JSONRPCMessage & {
  method: string;
  id?: RequestId;
  params?: Record<string, unknown>;
};

/** A refusal of a POST: its HTTP status and JSON-RPC error. */
export interface PostRefusal {
  kind: 'reject';
  status: number;
  id: RequestId | null;
  code: number;
  message: string;
  data?: unknown;
}

/** Where an HTTP POST goes: the 2025-era handling, the stateless 2026-07-28 one, or a refusal. */
export type HttpRoute =
  | { kind: 'legacy' }
  | { kind: 'modern'; message: ModernMessage; revision: string }
  | PostRefusal;

/** The body field that `Mcp-Name` mirrors, for the methods that need one. */
const NAME_SOURCE: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

function idOf(body: unknown): RequestId | null {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function mismatch(id: RequestId | null, message: string): HttpRoute {
  return { kind: 'reject', status: 400, id, code: HEADER_MISMATCH_ERROR_CODE, message };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A JSON-RPC response: `result` or `error`, no `method`. */
const isResponseObject = (value: unknown): boolean =>
  isPlainObject(value) && !('method' in value) && ('result' in value || 'error' in value);

/**
 * A JSON-RPC response, or a batch of only those. Never recursive: a batch holds objects, and
 * an attacker's arrays nested 100,000 deep must not reach the stack.
 */
const isResponseShaped = (body: unknown): boolean =>
  Array.isArray(body) ? body.length > 0 && body.every(isResponseObject) : isResponseObject(body);

/**
 * Whether the SDK's `classifyInboundRequest` would call this POST `legacy` without anything
 * more to check: a well-formed JSON-RPC request (the SDK's strict request shape) whose params
 * carry no `_meta` (so no envelope claim), with no `MCP-Protocol-Version` header or one naming
 * a 2025-era revision. The common 2025 request is decided by these structural checks instead
 * of the SDK's schema parses (three per request, two of which fail and build errors), which
 * showed on the CPU profile of the benchmarks (docs/benchmarks.md). Anything else, however
 * slightly different, goes to the SDK.
 */
export function isPlainLegacyRequest(body: unknown, protocolVersion: string | undefined): boolean {
  if (protocolVersion !== undefined && !legacyProtocolVersions.includes(protocolVersion))
    return false;
  return isWellFormedRequest(body) && (body.params === undefined || !('_meta' in body.params));
}

/**
 * Decides the era of a parsed HTTP POST body and, for 2026-07-28, validates it against its
 * headers before anything runs: the `_meta` envelope (missing: `-32602`), the version header
 * against it (`-32020`), the version itself (`-32022`, naming the supported ones), and
 * `Mcp-Method`, `Mcp-Name` and `Mcp-Param-*` against the body (`-32020`), so that a
 * component routing on the headers and the server acting on the body cannot disagree.
 */
export function routeHttpPost(
  body: unknown,
  headers: McpRequestHeaders,
  registry: Registry,
): HttpRoute {
  if (isPlainLegacyRequest(body, headers.protocolVersion)) return { kind: 'legacy' };
  if (isResponseShaped(body) && modernProtocolVersions.includes(headers.protocolVersion ?? ''))
    return {
      kind: 'reject',
      status: 400,
      id: idOf(body),
      code: JsonRpcErrorCode.InvalidRequest,
      message: `Invalid Request: the body is a JSON-RPC response, not a request (${headers.protocolVersion} servers send no requests to answer)`,
    };
  const outcome = classifyInbound({
    httpMethod: 'POST',
    protocolVersionHeader: headers.protocolVersion,
    mcpMethodHeader: headers.method,
    mcpNameHeader: headers.name,
    body,
  });
  const id = idOf(body);
  if (outcome.kind === 'legacy') return { kind: 'legacy' };
  if (outcome.kind === 'reject')
    return {
      kind: 'reject',
      status: outcome.httpStatus,
      id,
      code: outcome.code,
      message: outcome.message,
      ...(outcome.data !== undefined && { data: outcome.data }),
    };

  const message = outcome.message as ModernMessage;
  const revision = outcome.classification.revision ?? 'unknown';
  const unsupported = unsupportedRevision(outcome.classification.revision);
  if (unsupported) return { kind: 'reject', status: 400, id, ...unsupported };
  if (outcome.messageKind === 'notification') return { kind: 'modern', message, revision };

  if (headers.protocolVersion === undefined)
    return mismatch(id, 'the MCP-Protocol-Version header is required');
  if (headers.method === undefined) return mismatch(id, 'the Mcp-Method header is required');
  if (headers.method !== message.method)
    return mismatch(id, 'the Mcp-Method header does not match the method in the body');
  const nameField = NAME_SOURCE[message.method];
  if (nameField) {
    if (headers.name === undefined) return mismatch(id, 'the Mcp-Name header is required');
    const decoded = decodeHeaderValue(headers.name);
    if (!decoded.ok) return mismatch(id, `the Mcp-Name header ${decoded.reason}`);
    if (decoded.value !== message.params?.[nameField])
      return mismatch(id, `the Mcp-Name header does not match params.${nameField}`);
  }
  if (message.method === 'tools/call') {
    const declared = registry.toolParamHeaders.get(String(message.params?.name));
    const problem =
      declared && paramHeaderMismatch(declared, message.params?.arguments, headers.get);
    if (problem) return mismatch(id, problem);
  }
  return { kind: 'modern', message, revision };
}

/**
 * The HTTP status of a 2026-07-28 JSON-RPC error answer: an unknown method is `404`, a
 * missing client capability and malformed requests `400`; any other error is the payload of
 * a successful exchange (`200`).
 */
export function modernErrorStatus(code: number): number {
  switch (code) {
    case JsonRpcErrorCode.MethodNotFound:
      return 404;
    case JsonRpcErrorCode.ParseError:
    case JsonRpcErrorCode.InvalidRequest:
    case HEADER_MISMATCH_ERROR_CODE:
    case UNSUPPORTED_VERSION_ERROR_CODE:
    case -32021:
      return 400;
    default:
      return 200;
  }
}

/**
 * The target a 2026-07-28 request names in its headers (`Mcp-Method` + `Mcp-Name`), shaped as
 * the registry's scope check expects, so a call can be refused before its body is read.
 * `undefined` when the headers name no guarded target. The body is checked against the same
 * headers later ({@link routeHttpPost}), so a header naming an allowed tool while the body
 * calls another is refused, and nothing runs.
 */
export function targetFromHeaders(
  headers: Pick<McpRequestHeaders, 'protocolVersion' | 'method' | 'name'>,
): { method: string; params: Record<string, string> } | undefined {
  if (!modernProtocolVersions.includes(headers.protocolVersion ?? '')) return undefined;
  const field = headers.method ? NAME_SOURCE[headers.method] : undefined;
  if (!field || headers.name === undefined) return undefined;
  const decoded = decodeHeaderValue(headers.name);
  if (!decoded.ok) return undefined;
  return { method: headers.method as string, params: { [field]: decoded.value } };
}
