import type { AuthInfo } from './auth-info.js';
import type { Logger } from './logger.js';
import type {
  ClientCapabilities,
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequest,
  ElicitResult,
  LoggingLevel,
  ServerNotification,
} from './mcp-types.js';

/** Which transport a server instance serves; adapters pass their own name. */
export type TransportKind = 'stdio' | 'streamable-http' | 'websocket' | 'in-memory' | (string & {});

/** What a tool, resource or prompt handler knows about the request it serves. */
export interface HandlerContext {
  /** The caller, as verified for this very request; `undefined` only with authorization off. */
  auth: AuthInfo | undefined;
  /** Aborted when the client cancels the request or the connection ends. */
  signal: AbortSignal;
  /** Logger bound to the request (request id, caller identity). */
  logger: Logger;
  requestId: string | number;
  sessionId: string | undefined;
  transport: TransportKind;
  /** What the client said it can do at `initialize`. */
  clientCapabilities: ClientCapabilities | undefined;
  /** Sends `notifications/progress` if the client asked for progress; otherwise does nothing. */
  reportProgress(progress: number, total?: number, message?: string): Promise<void>;
  /** Sends a log message to the client (`notifications/message`), unless below the level it set. */
  log(level: LoggingLevel, data: unknown, logger?: string): Promise<void>;
  /** Asks the client's model for a message (`sampling/createMessage`); fails when the client cannot. */
  createMessage(params: CreateMessageRequest['params']): Promise<CreateMessageResult>;
  /** Asks the user for input (`elicitation/create`); fails when the client cannot. */
  elicit(params: ElicitRequest['params']): Promise<ElicitResult>;
  /**
   * Ends this request's HTTP stream early; the client comes back with `Last-Event-ID` and gets
   * the rest (SEP-1699 polling). Absent when the transport has no such stream.
   */
  closeStream: (() => void) | undefined;
  /** Sends a notification related to this request. */
  sendNotification(notification: ServerNotification): Promise<void>;
}
