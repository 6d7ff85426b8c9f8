import type { ProbeRequest } from './probe-http.js';

/** The stateless revision the probe speaks first. */
export const MODERN_REVISION = '2026-07-28';
/** The newest `initialize`-negotiated revision the probe offers. */
export const LEGACY_REVISION = '2025-11-25';

/** Which generation of the protocol a request is written in. */
export type Era = 'modern' | 'legacy';

/** A 2025-era conversation: the negotiated revision and the session, if the server made one. */
export interface LegacySession {
  protocolVersion: string;
  sessionId?: string;
}

/** What goes into one MCP request. */
export interface McpCall {
  method: string;
  params?: Record<string, unknown>;
  /** `Authorization` value (`Bearer x`, `DPoP x`), if any. */
  authorization?: string;
  /** Further headers (`DPoP`, `Origin`, …); they override the computed ones. */
  headers?: Record<string, string>;
  era: Era;
  legacy?: LegacySession;
}

/** The `_meta` envelope every 2026-07-28 request carries. */
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN_REVISION,
  'io.modelcontextprotocol/clientInfo': { name: 'portcullis-probe', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

let nextId = 1;

/** The body field `Mcp-Name` mirrors for the methods that name a target. */
const NAME_FIELD: Record<string, string> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** The JSON-RPC request and headers of `call`, as a client of its era would send them. */
export function mcpRequest(endpoint: URL, call: McpCall): ProbeRequest {
  const modern = call.era === 'modern';
  const params = modern ? { ...call.params, _meta: ENVELOPE } : call.params;
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: nextId++,
    method: call.method,
    ...(params && { params }),
  });
  const name = NAME_FIELD[call.method] && call.params?.[NAME_FIELD[call.method]!];
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...(call.authorization && { authorization: call.authorization }),
    ...(modern
      ? {
          'mcp-protocol-version': MODERN_REVISION,
          'mcp-method': call.method,
          ...(typeof name === 'string' && { 'mcp-name': name }),
        }
      : call.legacy && {
          'mcp-protocol-version': call.legacy.protocolVersion,
          ...(call.legacy.sessionId && { 'mcp-session-id': call.legacy.sessionId }),
        }),
    ...call.headers,
  };
  return { method: 'POST', url: endpoint, headers, body };
}

/** A JSON-RPC answer as read from a JSON or event-stream body. */
export interface JsonRpcAnswer {
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** The JSON-RPC answer in a body (plain JSON, or the last `data:` of an event stream). */
export function readAnswer(body: string): JsonRpcAnswer | undefined {
  const candidates = body.trimStart().startsWith('{')
    ? [body]
    : body
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim());
  for (const text of candidates.reverse()) {
    try {
      const parsed = JSON.parse(text) as JsonRpcAnswer & { id?: unknown };
      if (parsed && (parsed.result !== undefined || parsed.error !== undefined)) return parsed;
    } catch {
      // not JSON: try the next one
    }
  }
  return undefined;
}

/** A tool as a listing shows it. */
export interface ListedTool {
  name: string;
  annotations?: { readOnlyHint?: boolean };
  inputSchema?: { required?: unknown };
}

/** The tools of a `tools/list` answer, or `undefined` when it is not one. */
export function listedTools(answer: JsonRpcAnswer | undefined): ListedTool[] | undefined {
  const tools = answer?.result?.tools;
  if (tools === null) return [];
  return Array.isArray(tools) ? (tools as ListedTool[]) : undefined;
}

/** A tool name no server has: calls to it cannot run anything. */
export const ABSENT_TOOL = 'portcullis_probe_absent_tool';
