import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { parseBearerChallenge } from '@portcullis/core';
import { WebSocketUpgradeError } from '@portcullis/websocket';

/** A call refused for lack of scope, whichever way the server said it. */
export interface ScopeRefusal {
  kind: 'insufficient_scope';
  tool: string | undefined;
  /** Every scope the call needs, as far as the server said. */
  required: string[];
  granted: string[];
  /** The `scope` of a 403 challenge: granted plus needed, per the MCP specification. */
  challengeScope: string[] | undefined;
}

/** A request refused because the token is missing, expired or invalid. */
export interface AuthRefusal {
  kind: 'unauthorized';
  reason: string;
  /** The `WWW-Authenticate` header, when there was one. */
  challenge: string | undefined;
}

/** The last HTTP answer seen, for errors whose SDK form lost the headers. */
export interface LastResponse {
  status: number;
  wwwAuthenticate: string | null;
}

const words = (value: unknown) =>
  typeof value === 'string'
    ? value.split(' ').filter(Boolean)
    : Array.isArray(value)
      ? value.map(String)
      : [];

function fromErrorObject(
  error: { code?: unknown; message?: unknown; data?: unknown },
  challenge: string | null | undefined,
): ScopeRefusal | AuthRefusal | undefined {
  if (error.code !== -32001) return undefined;
  if (typeof error.message === 'string' && /insufficient_scope/.test(error.message)) {
    const data = (error.data ?? {}) as Record<string, unknown>;
    const required = words(data.required_scopes);
    return {
      kind: 'insufficient_scope',
      tool: typeof data.tool === 'string' ? data.tool : undefined,
      required: required.length > 0 ? required : words(data.required_scope),
      granted: words(data.granted_scopes),
      challengeScope: challenge ? words(parseBearerChallenge(challenge)?.scope) : undefined,
    };
  }
  return {
    kind: 'unauthorized',
    reason: typeof error.data === 'string' ? error.data : String(error.message),
    challenge: challenge ?? undefined,
  };
}

/**
 * Recognizes an authorization refusal in an error from the SDK client or our WebSocket
 * transport: `-32001 insufficient_scope` in a JSON-RPC body (HTTP 200, as Casdoor answers),
 * an HTTP 403 with an `insufficient_scope` challenge (as the MCP specification has it), or an
 * `Unauthorized` / HTTP 401.
 */
export function refusalOf(
  error: unknown,
  last: LastResponse | undefined,
): ScopeRefusal | AuthRefusal | undefined {
  if (error instanceof McpError) return fromErrorObject(error, last?.wwwAuthenticate);
  if (error instanceof WebSocketUpgradeError && error.status === 401) {
    return { kind: 'unauthorized', reason: error.message, challenge: error.wwwAuthenticate };
  }
  if (error instanceof StreamableHTTPError && (error.code === 401 || error.code === 403)) {
    const json = /(\{.*\})\s*$/s.exec(error.message)?.[1];
    let body: { error?: { code?: unknown; message?: unknown; data?: unknown } } | undefined;
    try {
      body = json ? JSON.parse(json) : undefined;
    } catch {
      body = undefined;
    }
    const challenge = last?.wwwAuthenticate;
    if (body?.error) {
      const refusal = fromErrorObject(body.error, challenge);
      if (refusal) return refusal;
    }
    const params = parseBearerChallenge(challenge);
    if (error.code === 403 && params?.error === 'insufficient_scope') {
      return {
        kind: 'insufficient_scope',
        tool: undefined,
        required: [],
        granted: [],
        challengeScope: words(params.scope),
      };
    }
    if (error.code === 401)
      return {
        kind: 'unauthorized',
        reason: params?.error_description ?? 'HTTP 401',
        challenge: challenge ?? undefined,
      };
  }
  return undefined;
}
