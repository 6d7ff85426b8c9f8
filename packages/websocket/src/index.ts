/**
 * MCP over WebSocket for Portcullis: authorization at the upgrade and on every message, in-band re-authentication, heartbeats, backpressure and rate limits; plus a client transport that carries a token.
 *
 * @packageDocumentation
 * @module @portcullis/websocket
 */
export {
  WebSocketClientTransport,
  type WebSocketClientTransportOptions,
  WebSocketUpgradeError,
} from './websocket-client-transport.js';
export {
  attachWebSocketServer,
  type RunningWebSocketServer,
  type StandaloneWebSocketOptions,
  startWebSocketServer,
  type WebSocketEndpoint,
  type WebSocketOptions,
} from './websocket-server.js';
export {
  CloseCode,
  MCP_SUBPROTOCOL,
  REAUTHENTICATE_METHOD,
  type ReauthenticateResult,
  TOKEN_SUBPROTOCOL_PREFIX,
  tokenSubprotocol,
} from './wire.js';
