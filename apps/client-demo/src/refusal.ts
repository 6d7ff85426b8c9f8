import { InsufficientScopeError, ProtocolError, SdkHttpError } from '@modelcontextprotocol/client';
import { parseChallenge } from '@portcullis/core/client';
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

/** The last HTTP answer to a POST, for errors whose SDK form lost the headers or the body. */
export interface LastResponse {
  status: number;
  wwwAuthenticate: string | null;
  /** The body of an error answer. */
  body: string | undefined;
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
      challengeScope: challenge ? words(readChallenge(challenge)?.scope) : undefined,
    };
  }
  return {
    kind: 'unauthorized',
    reason: typeof error.data === 'string' ? error.data : String(error.message),
    challenge: challenge ?? undefined,
  };
}

/** The JSON-RPC error in an HTTP error body, if the body is one. */
function errorInBody(
  text: string | undefined,
): { code?: unknown; message?: unknown; data?: unknown } | undefined {
  if (!text) return undefined;
  try {
    const body = JSON.parse(text) as { error?: unknown } | null;
    return body?.error !== null && typeof body?.error === 'object' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Recognizes an authorization refusal in an error from the SDK client or our WebSocket
 * transport: `-32001 insufficient_scope` in a JSON-RPC body (HTTP 200, as Casdoor answers),
 * an HTTP 403 with an `insufficient_scope` challenge (as the MCP specification has it; the SDK
 * throws `InsufficientScopeError`), or an `Unauthorized` / HTTP 401 (also when it refused the
 * `server/discover` probe).
 */
export function refusalOf(
  error: unknown,
  last: LastResponse | undefined,
): ScopeRefusal | AuthRefusal | undefined {
  if (error instanceof ProtocolError) return fromErrorObject(error, last?.wwwAuthenticate);
  if (error instanceof WebSocketUpgradeError && error.status === 401) {
    return { kind: 'unauthorized', reason: error.message, challenge: error.wwwAuthenticate };
  }
  const status =
    error instanceof InsufficientScopeError
      ? 403
      : error instanceof SdkHttpError
        ? error.status
        : undefined;
  if (status !== 401 && status !== 403) return undefined;
  const seen = last?.status === status ? last : undefined;
  const challenge = seen?.wwwAuthenticate;
  const inBody = errorInBody(
    error instanceof SdkHttpError && typeof error.data.text === 'string'
      ? error.data.text
      : seen?.body,
  );
  const refusal = inBody && fromErrorObject(inBody, challenge);
  if (refusal) return refusal;
  if (error instanceof InsufficientScopeError)
    return {
      kind: 'insufficient_scope',
      tool: undefined,
      required: [],
      granted: [],
      challengeScope: words(error.requiredScope),
    };
  if (status === 401)
    return {
      kind: 'unauthorized',
      reason: readChallenge(challenge)?.error_description ?? 'HTTP 401',
      challenge: challenge ?? undefined,
    };
  return undefined;
}

/** The parameters of the challenge: `Bearer`'s, or `DPoP`'s where the server requires DPoP. */
export function readChallenge(
  header: string | null | undefined,
): Record<string, string> | undefined {
  const bearer = parseChallenge(header, 'Bearer');
  const dpop = parseChallenge(header, 'DPoP');
  return bearer?.error ? bearer : dpop?.error ? dpop : (bearer ?? dpop);
}
