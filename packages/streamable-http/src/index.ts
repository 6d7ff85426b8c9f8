/**
 * The MCP Streamable HTTP transport for Portcullis, on Koa or plain node:http: every request authenticated, scopes refused before the server sees them, sessions bound to identities.
 *
 * @packageDocumentation
 * @module @portcullis/streamable-http
 */
export type { CorsOptions, ListeningAddress } from '@portcullis/core/adapter';
export {
  createMemoryEventStore,
  type EventStore,
  type MemoryEventStoreOptions,
} from './event-store.js';
export {
  type HttpServerOptions,
  type KoaAppLike,
  type RunningHttpServer,
  startHttpServer,
} from './http-server.js';
export {
  createKoaMiddleware,
  type KoaContextLike,
  type KoaMiddlewareLike,
} from './koa-middleware.js';
export type { SessionOptions, SessionRecord, SessionRecordStore } from './session-store.js';
export {
  createStreamableHttpHandler,
  type StreamableHttpHandler,
  type StreamableHttpOptions,
} from './streamable-http-handler.js';
