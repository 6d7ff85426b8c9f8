import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import {
  type AuthInfo,
  casdoorEndpoints,
  casdoorScopeImplications,
  createIntrospectionVerifier,
  createJwtVerifier,
  createPortcullis,
  createRegistry,
  createScopePolicy,
  type Portcullis,
} from '@portcullis/core';
import { isLoopbackHostname } from '@portcullis/core/adapter';
import { type RunningHttpServer, startHttpServer } from '@portcullis/streamable-http';
import { attachWebSocketServer, type WebSocketEndpoint } from '@portcullis/websocket';
import type { Logger } from 'pino';
import {
  type EmbeddedAuthorization,
  issueDevelopmentTokens,
  startEmbeddedAuthorizationServer,
} from './embedded-authorization-server.js';
import { announceWrites, createFileResources } from './file-resources.js';
import { createFileTools, type FileToolLimits } from './file-tools.js';
import { type InstanceState, openInstanceState } from './instance-state.js';
import type { FileServerOptions } from './options.js';
import { prepareRoot } from './prepare-root.js';
import { probeIssuer } from './probe-issuer.js';
import type { CleanUpReport } from './temporary-files.js';

/** The path of the WebSocket endpoint, next to `/mcp`. */
export const WEBSOCKET_PATH = '/mcp/ws';

/** Default limits: 1 MiB per read, 16 MiB per write, 10 000 entries per listing. */
export const DEFAULT_LIMITS: FileToolLimits = {
  maxReadBytes: 1 << 20,
  maxWriteBytes: 16 << 20,
  maxListEntries: 10_000,
};

/** Where the trusted tokens come from. */
interface Trust {
  issuer: string;
  jwksUri?: string;
  casdoor: boolean;
  embedded?: Awaited<ReturnType<typeof startEmbeddedAuthorizationServer>>;
}

/** A running file server. */
export interface RunningFileServer {
  root: string;
  /** The MCP endpoint (Streamable HTTP). */
  url: string;
  websocketUrl: string;
  metadataUrl: string;
  issuer: string;
  /** Set when the embedded development authorization server runs. */
  development?: EmbeddedAuthorization;
  portcullis: Portcullis;
  close(): Promise<void>;
}

/** Resolves which issuer to trust, starting the embedded one when none is named. */
export async function resolveTrust(options: FileServerOptions): Promise<Trust> {
  if (options.casdoor) {
    const casdoor = casdoorEndpoints(options.casdoor);
    return {
      issuer: casdoor.issuer,
      jwksUri: await probeIssuer(casdoor.issuer, options.jwksUri ?? casdoor.jwksUri),
      casdoor: true,
    };
  }
  if (options.issuer)
    return {
      issuer: options.issuer,
      jwksUri: await probeIssuer(options.issuer, options.jwksUri),
      casdoor: false,
    };
  const embedded = await startEmbeddedAuthorizationServer();
  return { issuer: embedded.issuer, jwksUri: embedded.jwksUri, casdoor: false, embedded };
}

/**
 * Logs what the clean-up of interrupted writes did at start: how many temporary files were
 * removed (their names relative to the served folder, the first 20), how many kept.
 */
export function logCleanUp(logger: Logger) {
  return (report: CleanUpReport) => {
    if (report.removed.length === 0 && report.kept === 0 && !report.truncated) return;
    logger.info(
      {
        removed: report.removed.length,
        names: report.removed.slice(0, 20),
        kept: report.kept,
        entries: report.entries,
        ...(report.truncated && { truncated: true }),
      },
      'temporary files of interrupted writes removed',
    );
  };
}

/**
 * Builds the protected server for a resource URL: file tools under their scopes, the trusted
 * issuer, and every piece of state (limits, DPoP proof ids, updates, caches) from `state`.
 */
export function createFilePortcullis(
  root: string,
  resource: string,
  trust: Trust,
  options: FileServerOptions,
  logger: Logger,
  state: InstanceState,
  limits = DEFAULT_LIMITS,
): Portcullis {
  const audience = options.audiences.length > 0 ? options.audiences : [resource];
  const tools = announceWrites(createFileTools(root, limits), (uri) =>
    portcullis.notifyResourceUpdated(uri),
  );
  const portcullis: Portcullis = createPortcullis({
    resource,
    server: { name: 'portcullis-file-server', version: '0.0.0', title: 'Portcullis file server' },
    registry: createRegistry({
      tools,
      resourceTemplates: createFileResources(tools),
      scopePolicy: trust.casdoor
        ? createScopePolicy({ implications: casdoorScopeImplications })
        : undefined,
    }),
    verifier: options.introspection
      ? createIntrospectionVerifier({
          issuer: trust.issuer,
          ...options.introspection,
          audience,
          cacheSeconds: options.introspectionCacheSeconds,
          cacheStore: state.introspectionCache,
        })
      : createJwtVerifier({
          issuers: [{ issuer: trust.issuer, jwksUri: trust.jwksUri }],
          audience,
          onWarning: (message) => logger.warn(message),
        }),
    // Introspection has its own cache, bounded by --introspection-cache: revocation within it.
    cache: options.introspection ? false : undefined,
    authorizationServers: [trust.issuer],
    rateLimiter: state.rateLimiter,
    resourceUpdates: state.resourceUpdates,
    dpop: { mode: options.dpop, replayCache: state.replayCache },
    audit: (event) => logger.info({ audit: event }, event.type),
    logger: {
      debug: (fields, message) => logger.debug(fields, message),
      info: (fields, message) => logger.info(fields, message),
      warn: (fields, message) => logger.warn(fields, message),
      error: (fields, message) => logger.error(fields, message),
    },
  });
  return portcullis;
}

/** One log line per HTTP request: method, path, status, time, and the caller once authenticated. */
function logRequests(http: RunningHttpServer, logger: Logger) {
  http.server.on('request', (req: IncomingMessage & { auth?: AuthInfo }, res) => {
    const started = performance.now();
    res.once('finish', () => {
      const path = (req.url ?? '/').split('?')[0];
      logger.info(
        {
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ...(req.auth && {
            issuer: req.auth.issuer,
            subject: req.auth.subject,
            client: req.auth.clientId,
          }),
          decision:
            res.statusCode < 400
              ? 'allowed'
              : res.statusCode === 401 || res.statusCode === 403
                ? 'denied'
                : 'failed',
        },
        'request',
      );
    });
  });
}

function portInUse(error: unknown, options: FileServerOptions): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new Error(`port ${options.port} on ${options.host} is already in use`);
  if (code === 'EACCES')
    return new Error(
      `port ${options.port} on ${options.host} needs privileges this user does not have`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new Error(`${options.host} is not an address of this machine`);
  return error as Error;
}

/**
 * Starts the file server: the served folder, the trusted issuer (or the embedded development
 * one), Streamable HTTP at `/mcp`, WebSocket at `/mcp/ws`, the Protected Resource Metadata and
 * `/healthz` on one port. Throws with a one-line reason when it cannot start.
 */
export async function startFileServer(
  options: FileServerOptions,
  logger: Logger,
): Promise<RunningFileServer> {
  const tls =
    options.tlsCert && options.tlsKey
      ? { cert: await readFile(options.tlsCert), key: await readFile(options.tlsKey) }
      : undefined;
  const loopback = isLoopbackHostname(options.host);
  if (!loopback && !tls && !options.allowInsecureHttp) {
    throw new Error(
      `refusing plain HTTP on ${options.host}: tokens would cross the network in clear text (use --tls-cert/--tls-key, or --allow-insecure-http behind a TLS proxy)`,
    );
  }
  const root = await prepareRoot(options.root, logCleanUp(logger));
  const trust = await resolveTrust(options);
  const state = await openInstanceState(options).catch(async (error: unknown) => {
    await trust.embedded?.close();
    throw error;
  });
  let http: RunningHttpServer;
  try {
    http = await startHttpServer({
      ...(options.sessions && {
        sessions: { records: state.sessionRecords },
        eventStore: state.eventStore,
      }),
      host: options.host,
      port: options.port,
      tls,
      maxBodyBytes: Math.ceil(DEFAULT_LIMITS.maxWriteBytes * 1.4) + 4096,
      portcullis: ({ origin }) => {
        const publicOrigin =
          loopback || options.resource ? origin : origin.replace(options.host, 'localhost');
        return createFilePortcullis(
          root,
          options.resource ?? `${publicOrigin}/mcp`,
          trust,
          options,
          logger,
          state,
        );
      },
    });
  } catch (error) {
    await state.close();
    await trust.embedded?.close();
    throw portInUse(error, options);
  }
  logRequests(http, logger);
  const websocket: WebSocketEndpoint = attachWebSocketServer(http.server, http.portcullis, {
    path: WEBSOCKET_PATH,
  });
  const resource = http.portcullis.resource;
  const development = trust.embedded && (await issueDevelopmentTokens(trust.embedded, resource));
  const websocketUrl = `${tls ? 'wss' : 'ws'}://${new URL(http.address.origin).host}${WEBSOCKET_PATH}`;

  return {
    root,
    url: resource,
    websocketUrl,
    metadataUrl: http.portcullis.metadata!.url,
    issuer: trust.issuer,
    development,
    portcullis: http.portcullis,
    async close() {
      await websocket.close({ deadlineMs: 5000 });
      await http.close({ deadlineMs: 5000 });
      await state.close();
      await trust.embedded?.close();
    },
  };
}
