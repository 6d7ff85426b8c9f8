import type { AuthInfo } from './auth-info.js';
import type { Logger } from './logger.js';
import type {
  ClientCapabilities,
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequest,
  ElicitResult,
  InputRequests,
  InputRequiredResult,
  LoggingLevel,
  ServerNotification,
} from './mcp-types.js';
import type { ProtocolEra } from './protocol-versions.js';
import type { ExchangedToken } from './token-exchange/exchanged-token.js';
import type { TokenExchangeRequest } from './token-exchange/token-exchanger.js';

/** The context of a handler declared with `requireAuth: true`: `auth` is always there. */
export type AuthenticatedHandlerContext = HandlerContext<AuthInfo>;

/** Which transport a server instance serves; adapters pass their own name. */
export type TransportKind = 'stdio' | 'streamable-http' | 'websocket' | 'in-memory' | (string & {});

/**
 * What a tool, resource or prompt handler knows about the request it serves.
 *
 * `Auth` is the type of {@link HandlerContext.auth}: `AuthInfo | undefined` by default, and
 * `AuthInfo` in the handlers of a definition declared with `requireAuth: true` (which a server
 * with authorization off refuses to register), so protected handlers need no `auth?.`.
 */
export interface HandlerContext<Auth extends AuthInfo | undefined = AuthInfo | undefined> {
  /** The caller, as verified for this very request; `undefined` only with authorization off. */
  auth: Auth;
  /** Aborted when the client cancels the request or the connection ends. */
  signal: AbortSignal;
  /** Logger bound to the request (request id, caller identity). */
  logger: Logger;
  requestId: string | number;
  sessionId: string | undefined;
  transport: TransportKind;
  /** `modern` for a 2026-07-28 request (stateless, per-request envelope), `legacy` for 2025-era ones. */
  era: ProtocolEra;
  /**
   * What the client can do: from this request's `_meta` envelope (2026-07-28) or from its
   * `initialize` (2025 revisions).
   */
  clientCapabilities: ClientCapabilities | undefined;
  /**
   * The client's answers to the `inputRequests` of this handler's previous
   * {@link HandlerContext.inputRequired} result, by key; `undefined` on a first call.
   */
  inputResponses: Readonly<Record<string, unknown>> | undefined;
  /**
   * The `state` this handler passed to its previous {@link HandlerContext.inputRequired}
   * result, back from the client unchanged: it is sealed (HMAC), bound to this caller and
   * method, and expires; a tampered, foreign or stale value is refused before the handler runs.
   */
  requestState: unknown;
  /**
   * Answers the request with `input_required` (multi round-trip requests, 2026-07-28): the
   * client fulfils `inputRequests` (elicitation, sampling, roots) and sends the request again
   * with the answers in {@link HandlerContext.inputResponses} and `state` in
   * {@link HandlerContext.requestState}. For 2025-era clients the SDK asks them with
   * server-to-client requests instead and calls the handler again, so one handler serves both.
   */
  inputRequired(
    inputRequests: InputRequests | undefined,
    state?: unknown,
  ): Promise<InputRequiredResult>;
  /** Sends `notifications/progress` if the client asked for progress; otherwise does nothing. */
  reportProgress(progress: number, total?: number, message?: string): Promise<void>;
  /**
   * Sends a log message to the client (`notifications/message`), unless below the level it set
   * (2025) or the request did not ask for logs (2026-07-28).
   */
  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void>;
  /**
   * Asks the client's model for a message (`sampling/createMessage`) with a server-to-client
   * request: 2025-era stateful connections only. Use {@link HandlerContext.inputRequired} to
   * serve every revision.
   */
  createMessage(params: CreateMessageRequest['params']): Promise<CreateMessageResult>;
  /**
   * Asks the user for input (`elicitation/create`) with a server-to-client request: 2025-era
   * stateful connections only. Use {@link HandlerContext.inputRequired} to serve every revision.
   */
  elicit(params: ElicitRequest['params']): Promise<ElicitResult>;
  /**
   * Ends this request's HTTP stream early; the client comes back with `Last-Event-ID` and gets
   * the rest (SEP-1699 polling). Absent when the transport has no such stream.
   */
  closeStream: (() => void) | undefined;
  /** Sends a notification related to this request. */
  sendNotification(notification: ServerNotification): Promise<void>;
  /**
   * Gets a token for a downstream API on behalf of the caller (RFC 8693 token exchange), never
   * passing the caller's own token on: `exchange({ audience: 'inventory-api', scope:
   * 'inventory:read' })`, then `token.fetch(url)`. Needs `createPortcullis({ tokenExchange })`;
   * fails with a `TokenExchangeError` (a clear tool error, or `insufficient_scope` to the MCP
   * client when its own token lacks what the exchange needs). See docs/downstream-calls.md.
   */
  exchange(request: TokenExchangeRequest): Promise<ExchangedToken>;
}
