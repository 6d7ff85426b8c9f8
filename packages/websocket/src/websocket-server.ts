import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Portcullis } from '@portcullis/core';
import {
  createOriginPolicy,
  errorResponse,
  JsonRpcErrorCode,
  listen,
  type OriginPolicyOptions,
  requestHost,
  requestUrl,
  trackOpen,
  withTraceContext,
} from '@portcullis/core/adapter';
import { type WebSocket, WebSocketServer } from 'ws';
import { writeRawHttpAnswer } from './raw-http-answer.js';
import { type McpConnection, serveConnection } from './websocket-connection.js';
import { CloseCode, MCP_SUBPROTOCOL } from './wire.js';

/** Options for {@link attachWebSocketServer}. */
export interface WebSocketOptions extends OriginPolicyOptions {
  /** The path to accept upgrades on. Default: the path of `portcullis.resource`. */
  path?: string;
  /** Largest frame accepted, in bytes; larger ones close the connection with 1009. Default 1 MiB. */
  maxPayload?: number;
  /** Most connections at once; more get HTTP 503 at the upgrade. Default 1000. */
  maxConnections?: number;
  /** A client whose send buffer grows past this is dropped (close 4408). Default 4 MiB. */
  maxBufferedBytes?: number;
  /**
   * Most requests of one connection being read or answered at once; past it, the server stops
   * reading that connection until answers go out, so one connection's flood cannot starve the
   * others. Default 32.
   */
  maxInFlightPerConnection?: number;
  /** Ping interval; a peer that missed the previous pong is dropped. Default 30 s. */
  heartbeatMs?: number;
  /** How long after its token expires a connection may re-authenticate before 4401. Default 30 s. */
  reauthGraceMs?: number;
  /** Accept `?access_token=` on the upgrade URL. Off by default: URLs end up in logs. */
  allowQueryToken?: boolean;
  /** Trust `X-Forwarded-Host` from a proxy in front. Default false. */
  trustProxy?: boolean;
}

/** A WebSocket endpoint attached to an HTTP server. */
export interface WebSocketEndpoint {
  readonly path: string;
  /** Open connections. */
  readonly connectionCount: number;
  /**
   * Refuses new upgrades (503), lets requests in flight finish within `deadlineMs` (default
   * 10 s), then closes every connection with 1001 (going away).
   */
  close(options?: { deadlineMs?: number }): Promise<void>;
}

const TRANSPORT = 'websocket';

/**
 * Serves MCP over WebSocket on `server`, next to whatever else it serves (a Koa app with the
 * Streamable HTTP endpoint, say): one port, one token, two transports. Every upgrade is
 * authorized before the socket is accepted; a refusal is a real HTTP 401/403 with the core's
 * `WWW-Authenticate` challenge.
 */
export function attachWebSocketServer(
  server: Server,
  portcullis: Portcullis,
  options: WebSocketOptions = {},
): WebSocketEndpoint {
  const path = options.path ?? new URL(portcullis.resource).pathname;
  const originPolicy = createOriginPolicy(portcullis.resource, options);
  const maxConnections = options.maxConnections ?? 1000;
  const limits = {
    maxBufferedBytes: options.maxBufferedBytes ?? 4 << 20,
    maxInFlight: options.maxInFlightPerConnection ?? 32,
    reauthGraceMs: options.reauthGraceMs ?? 30_000,
  };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? 1 << 20,
    handleProtocols: (protocols) => (protocols.has(MCP_SUBPROTOCOL) ? MCP_SUBPROTOCOL : false),
  });
  const connections = new Map<WebSocket, McpConnection>();
  /** The URL clients connect to (`ws:` or `wss:`), with the `Host` the upgrade was checked for. */
  const endpointUrl = (host: string | undefined) =>
    requestUrl(portcullis.resource, host, path).replace(/^http/, 'ws');
  if (portcullis.dpop?.nonce()) {
    // A fresh DPoP nonce on every accepted upgrade, for the proofs of in-band re-authentication.
    wss.on('headers', (headers) => {
      const nonce = portcullis.dpop?.nonce();
      if (nonce) headers.push(`DPoP-Nonce: ${nonce}`);
    });
  }
  /** Upgrades authenticating right now: they count against `maxConnections` from the start. */
  let opening = 0;
  let accepting = true;

  const refuse = (socket: Duplex, status: number, message: string) =>
    writeRawHttpAnswer(
      socket,
      status,
      {},
      errorResponse(null, JsonRpcErrorCode.InvalidRequest, message),
    );

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    if (pathname !== path) {
      if (server.listenerCount('upgrade') === 1)
        refuse(socket, 404, `no WebSocket endpoint at ${pathname}`);
      return;
    }
    socket.on('error', () => socket.destroy());
    if (!accepting) return refuse(socket, 503, 'the server is shutting down');
    const offered = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((entry) => entry.trim());
    if (!offered.includes(MCP_SUBPROTOCOL))
      return refuse(socket, 400, `the WebSocket subprotocol "${MCP_SUBPROTOCOL}" is required`);
    // Checked and counted in one step, before the await: concurrent upgrades cannot all pass.
    if (connections.size + opening >= maxConnections)
      return refuse(socket, 503, 'too many connections; try again later');
    opening += 1;
    let counted = true;
    const settle = () => {
      if (counted) opening -= 1;
      counted = false;
    };
    socket.once('close', settle);

    const host = requestHost(req.headers, options.trustProxy ?? false);
    const admission = await portcullis.admit({
      kind: 'request',
      transport: TRANSPORT,
      browser: { policy: originPolicy, host, origin: req.headers.origin },
      // Node keeps only the first of repeated headers in `headers`; two must be refused.
      authorization: req.headersDistinct.authorization,
      subprotocols: offered,
      search: queryAt === -1 ? '' : url.slice(queryAt),
      acceptQueryToken: options.allowQueryToken ?? false,
      // DPoP (RFC 9449): the upgrade's proof names GET and the WebSocket URL.
      dpop: req.headersDistinct.dpop,
      method: req.method ?? 'GET',
      url: endpointUrl(host),
    });
    if (!admission.admitted) {
      settle();
      const challenge = portcullis.challenge(admission.refusal);
      return writeRawHttpAnswer(socket, challenge.status, challenge.headers, challenge.body);
    }
    const { auth } = admission;
    wss.handleUpgrade(req, socket, head, (ws) => {
      settle();
      connections.set(
        ws,
        serveConnection(portcullis, ws, auth, { ...limits, url: endpointUrl(host) }),
      );
      const untrack = trackOpen('websocket', TRANSPORT);
      ws.once('close', () => {
        connections.delete(ws);
        untrack();
      });
    });
  }

  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    withTraceContext(req.headers, () => onUpgrade(req, socket, head)).catch((error: unknown) => {
      portcullis.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'websocket upgrade failed',
      );
      socket.destroy();
    });
  };
  server.on('upgrade', listener);

  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const heartbeat = setInterval(() => {
    for (const [ws, connection] of connections) {
      if (!connection.alive) {
        ws.terminate();
        continue;
      }
      connection.alive = false;
      ws.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  return {
    path,
    get connectionCount() {
      return connections.size;
    },
    async close({ deadlineMs = 10_000 } = {}) {
      accepting = false;
      clearInterval(heartbeat);
      const deadline = Date.now() + deadlineMs;
      while (
        [...connections.values()].some((connection) => connection.pending > 0) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const connection of connections.values())
        connection.close(CloseCode.GoingAway, 'server shutting down');
      server.off('upgrade', listener);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Options for {@link startWebSocketServer}. */
export interface StandaloneWebSocketOptions extends WebSocketOptions {
  /** The protected server, or a function that builds it once the port is known. */
  portcullis:
    | Portcullis
    | ((address: { origin: string; host: string; port: number }) => Portcullis);
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
}

/** A running standalone WebSocket server. */
export interface RunningWebSocketServer extends WebSocketEndpoint {
  /** The endpoint's `ws://` URL. */
  readonly url: string;
  readonly server: Server;
  readonly portcullis: Portcullis;
}

/** Starts a server that only speaks MCP over WebSocket (plain HTTP requests get 426). */
export async function startWebSocketServer(
  options: StandaloneWebSocketOptions,
): Promise<RunningWebSocketServer> {
  const server = createServer((_req, res) => {
    res.writeHead(426, { upgrade: 'websocket', connection: 'Upgrade' }).end();
  });
  const address = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const { origin } = address;
  const portcullis =
    typeof options.portcullis === 'function' ? options.portcullis(address) : options.portcullis;
  const endpoint = attachWebSocketServer(server, portcullis, options);
  return {
    get path() {
      return endpoint.path;
    },
    get connectionCount() {
      return endpoint.connectionCount;
    },
    url: `ws://${new URL(origin).host}${endpoint.path}`,
    server,
    portcullis,
    async close(closeOptions) {
      await endpoint.close(closeOptions);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
