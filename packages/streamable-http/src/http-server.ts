import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Portcullis } from '@portcullis/core';
import { type ListeningAddress, listen } from '@portcullis/core/adapter';
import Koa from 'koa';
import { createKoaMiddleware, type KoaMiddlewareLike } from './koa-middleware.js';
import { requestTarget } from './request-target.js';
import {
  createStreamableHttpHandler,
  type StreamableHttpHandler,
  type StreamableHttpOptions,
} from './streamable-http-handler.js';

/** The parts of a Koa application the server uses; `new Koa()` fits it. */
export interface KoaAppLike {
  middleware: unknown[];
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown;
}

/** Options for {@link startHttpServer}. */
export interface HttpServerOptions extends StreamableHttpOptions {
  /**
   * The protected server, or a function that builds it once the port is known (useful with
   * port 0, when the resource URL must name the port chosen).
   */
  portcullis: Portcullis | ((address: ListeningAddress) => Portcullis);
  /** Default `127.0.0.1`: tokens should not cross a network in clear text. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Your own Koa app, to add routes; the MCP middleware goes first. */
  app?: KoaAppLike;
  /** A health endpoint answering `{"status":"ok"}`; `false` for none. Default `/healthz`. */
  healthPath?: string | false;
}

/** A running standalone server. */
export interface RunningHttpServer {
  readonly address: ListeningAddress;
  /** The MCP endpoint's URL. */
  readonly url: string;
  readonly server: Server;
  readonly app: KoaAppLike;
  readonly handler: StreamableHttpHandler;
  readonly portcullis: Portcullis;
  /**
   * Graceful shutdown: stops accepting connections, lets requests in flight finish within
   * `deadlineMs` (default 10 s), ends SSE streams and sessions, then drops what is left.
   */
  close(options?: { deadlineMs?: number }): Promise<void>;
}

/**
 * Starts a standalone HTTP(S) server with the MCP endpoint, its metadata and a health check.
 *
 * @example
 * ```ts
 * const server = await startHttpServer({ port: 8080, portcullis });
 * console.log(`MCP endpoint: ${server.url}`); // http://127.0.0.1:8080/mcp
 * await server.close();
 * ```
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const app: KoaAppLike = options.app ?? new Koa();
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key })
    : createHttpServer();
  const host = options.host ?? '127.0.0.1';
  const address = await listen(server, host, options.port ?? 0, options.tls ? 'https' : 'http');
  const { origin } = address;
  const portcullis =
    typeof options.portcullis === 'function' ? options.portcullis(address) : options.portcullis;
  const handler = createStreamableHttpHandler(portcullis, options);

  const healthPath = options.healthPath ?? '/healthz';
  const health: KoaMiddlewareLike = async (ctx, next) => {
    if (requestTarget(ctx.req)?.pathname !== healthPath) {
      await next();
      return;
    }
    ctx.respond = false;
    ctx.res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  };
  app.middleware.unshift(createKoaMiddleware(handler), ...(healthPath ? [health] : []));
  const koa = app as KoaAppLike & {
    listenerCount?(event: string): number;
    on?(event: string, listener: (error: Error) => void): unknown;
  };
  if (koa.on && koa.listenerCount?.('error') === 0) {
    // Without this, Koa prints every client that went away mid-stream (EPIPE) to stderr.
    koa.on('error', (error: Error & { code?: string }) => {
      if (
        error.code === 'EPIPE' ||
        error.code === 'ECONNRESET' ||
        error.code === 'ERR_STREAM_PREMATURE_CLOSE'
      )
        return;
      portcullis.logger.error({ err: error.message }, 'http request failed');
    });
  }
  // The MCP endpoint and its metadata answer straight from node:http: the Koa middleware above
  // is first and ends every request to those paths, so Koa's context, middleware chain and
  // finish listeners would only cost time (a few percent of a call); every other path is Koa's.
  const koaListener = app.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const pathname = requestTarget(req)?.pathname;
    if (pathname !== handler.path && pathname !== handler.metadataPath) {
      koaListener(req, res);
      return;
    }
    handler.handle(req, res).catch((error: unknown) => {
      portcullis.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'http request failed',
      );
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  return {
    address,
    url: new URL(handler.path, origin).href,
    server,
    app,
    handler,
    portcullis,
    async close({ deadlineMs = 10_000 } = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await handler.close({ deadlineMs });
      server.closeAllConnections();
      await closed;
    },
  };
}
