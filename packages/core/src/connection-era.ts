import { classifyInbound } from './inbound-classification.js';
import { type ClassifiedMessage, errorResponse } from './json-rpc.js';
import { type ProtocolEra, unsupportedRevision } from './protocol-versions.js';

/** A message that reading a line or frame accepted (see `readMessage`). */
export type ConnectionMessage = Exclude<ClassifiedMessage, { kind: 'invalid' }>;

/** What a connection (a WebSocket, a stdio process) does with one client message. */
export type ConnectionEraDecision =
  /**
   * Hand the message to the channel of `era`; when the connection had no era yet, this message
   * opens it and the era stays for the connection's lifetime.
   */
  | { kind: 'dispatch'; era: ProtocolEra }
  /** Answer this request with `reply` without dispatching it; the connection's era is unchanged. */
  | { kind: 'refuse'; reply: ReturnType<typeof errorResponse> }
  /** Nothing can take this notification or response; ignore it. */
  | { kind: 'drop' };

/** Refuses a request, or drops a notification (JSON-RPC never answers those). */
function refuse(
  message: ConnectionMessage,
  code: number,
  text: string,
  data?: unknown,
): ConnectionEraDecision {
  return message.kind === 'request'
    ? { kind: 'refuse', reply: errorResponse(message.message.id, code, text, data) }
    : { kind: 'drop' };
}

/**
 * Decides the era of a connection that serves both generations of MCP, message by message,
 * as the 2026-07-28 versioning rules have a dual-era server do on a connection:
 *
 * - Until a request opens the connection (`pinned` undefined), notifications and responses
 *   are dropped. `initialize` without a valid modern `_meta` envelope claim, or any request
 *   without a claim, opens the `legacy` era (2025 clients, unchanged). A request whose
 *   `params._meta` names a 2026-07-28 revision (`server/discover`, or any other) opens the
 *   `modern` era.
 * - A claim naming a revision this server does not serve is refused with `-32022` and
 *   `data: { supported, requested }`, and a malformed envelope with `-32602`, whether the
 *   connection is open or not; neither opens an era, so the client can retry.
 * - Once open, everything else goes to the connection's era: on a modern connection the
 *   server itself refuses `initialize` (`-32601`) and requests without their envelope.
 */
export function decideConnectionEra(
  message: ConnectionMessage,
  pinned: ProtocolEra | undefined,
): ConnectionEraDecision {
  if (message.kind === 'response')
    return pinned ? { kind: 'dispatch', era: pinned } : { kind: 'drop' };
  if (pinned === 'legacy') return { kind: 'dispatch', era: pinned };
  const outcome = classifyInbound({ httpMethod: 'POST', body: message.message });
  if (outcome.kind === 'reject')
    return refuse(message, outcome.code, outcome.message, outcome.data);
  if (outcome.kind === 'modern') {
    const unsupported = unsupportedRevision(outcome.classification.revision);
    if (unsupported)
      return refuse(message, unsupported.code, unsupported.message, unsupported.data);
    if (pinned === undefined && message.kind === 'notification') return { kind: 'drop' };
    return { kind: 'dispatch', era: 'modern' };
  }
  if (pinned) return { kind: 'dispatch', era: pinned };
  return message.kind === 'request' ? { kind: 'dispatch', era: 'legacy' } : { kind: 'drop' };
}
