import type { AuthInfo } from './auth-info.js';
import type { Logger } from './logger.js';
import type { ServerNotification } from './mcp-types.js';

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
  /** Sends `notifications/progress` if the client asked for progress; otherwise does nothing. */
  reportProgress(progress: number, total?: number, message?: string): Promise<void>;
  /** Sends a notification related to this request (e.g. a log message). */
  sendNotification(notification: ServerNotification): Promise<void>;
}
