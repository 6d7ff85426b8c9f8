import {
  type ClassifiedMessage,
  classifyMessage,
  errorResponse,
  JsonRpcErrorCode,
} from './json-rpc.js';

/** What reading one line or frame of JSON-RPC gave. */
export type ReadMessage =
  | { kind: 'message'; message: Exclude<ClassifiedMessage, { kind: 'invalid' }> }
  | {
      kind: 'refused';
      /** The error response to send back. */
      reply: ReturnType<typeof errorResponse>;
      /** Whether the text was a broken notification (no `id` member), which JSON-RPC leaves unanswered. */
      notification: boolean;
    };

/**
 * Whether a refused message was a notification (a `method` and no `id` member), which JSON-RPC
 * leaves unanswered. A request whose id is invalid (`{}`, `1.5`, `null`) is not one: it is
 * answered with an error whose id is `null`, as JSON-RPC 2.0 §5 says.
 */
const meantAsNotification = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && 'method' in value && !('id' in value);

/**
 * Reads one JSON-RPC message from the text of a line (stdio) or a frame (WebSocket): invalid
 * JSON is refused with `-32700`, batches and invalid messages with `-32600`, each error naming
 * the `unit` and the `transport` so a person can tell what went wrong.
 */
export function readMessage(text: string, unit: string, transport: string): ReadMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      kind: 'refused',
      reply: errorResponse(
        null,
        JsonRpcErrorCode.ParseError,
        `Parse error: the ${unit} is not valid JSON`,
      ),
      notification: false,
    };
  }
  if (Array.isArray(value)) {
    return {
      kind: 'refused',
      reply: errorResponse(
        null,
        JsonRpcErrorCode.InvalidRequest,
        `Invalid Request: batches are not accepted over ${transport}`,
      ),
      notification: false,
    };
  }
  const classified = classifyMessage(value);
  if (classified.kind !== 'invalid') return { kind: 'message', message: classified };
  return {
    kind: 'refused',
    reply: errorResponse(
      classified.id,
      JsonRpcErrorCode.InvalidRequest,
      `Invalid Request: ${classified.reason}`,
    ),
    notification: meantAsNotification(value),
  };
}
