import { createJwtVerifier, createPortcullis, type PortcullisOptions } from '@portcullis/core';
import { type RunningHttpServer, startHttpServer } from '@portcullis/streamable-http';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { type BearerProxy, startBearerProxy } from './bearer-proxy.js';
import { CONFORMANCE_SCOPES } from './conformance-scopes.js';
import { conformanceRegistry } from './fixtures.js';

/** Options for {@link startConformanceServer}. */
export interface ConformanceServerOptions {
  /** The port clients use; default 0, a free one. */
  port?: number;
  /** Stateful sessions (`Mcp-Session-Id`); default false, the adapter's stateless default. */
  sessions?: boolean;
  /**
   * Authorization on: a development authorization server (oidc-provider) issues a token with
   * every fixture scope for the resource, a real JWT verifier checks it, and a loopback proxy
   * in front adds it to each request, since the suite sends none.
   */
  authorization?: boolean;
}

/** A running conformance server. */
export interface RunningConformanceServer {
  /** The MCP endpoint for the suite, named `localhost` (its DNS-rebinding scenario needs a loopback name). */
  readonly url: string;
  close(): Promise<void>;
}

type Protection = Pick<PortcullisOptions, 'verifier' | 'authorizationServers'>;

function serve(
  port: number,
  sessions: boolean,
  resource: (port: number) => string,
  protection: Protection,
) {
  return startHttpServer({
    host: '127.0.0.1',
    port,
    sessions: sessions ? {} : false,
    portcullis: ({ port: bound }) =>
      createPortcullis({
        resource: resource(bound),
        server: { name: 'portcullis-conformance', version: '0.0.0' },
        registry: conformanceRegistry(),
        ...protection,
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      }),
  });
}

/**
 * Starts the server the conformance suite runs against: the fixtures on Streamable HTTP, on
 * loopback, serving 2025-era clients and 2026-07-28 requests on the same endpoint.
 */
export async function startConformanceServer(
  options: ConformanceServerOptions = {},
): Promise<RunningConformanceServer> {
  const sessions = options.sessions ?? false;
  if (!options.authorization) {
    const http = await serve(
      options.port ?? 0,
      sessions,
      (port) => `http://localhost:${port}/mcp`,
      { verifier: false },
    );
    return {
      url: http.url.replace('127.0.0.1', 'localhost'),
      close: () => http.close({ deadlineMs: 1000 }),
    };
  }

  const scopes = Object.values(CONFORMANCE_SCOPES);
  let issuer: AuthorizationServer | undefined;
  let proxy: BearerProxy | undefined;
  let http: RunningHttpServer | undefined;
  const close = async () => {
    await proxy?.close();
    await http?.close({ deadlineMs: 1000 });
    await issuer?.close();
  };
  try {
    issuer = await startAuthorizationServer({ scopes });
    proxy = await startBearerProxy(options.port ?? 0);
    // Clients reach the server through the proxy: its URL is the resource, the token's audience.
    const resource = `http://localhost:${proxy.address.port}/mcp`;
    http = await serve(0, sessions, () => resource, {
      verifier: createJwtVerifier({
        issuers: [{ issuer: issuer.issuer, jwksUri: issuer.jwksUri }],
        audience: resource,
      }),
      authorizationServers: [issuer.issuer],
    });
    const client = await issuer.registerClient();
    const { access_token: token } = await issuer.clientCredentialsToken({
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      scope: scopes.join(' '),
      resource,
    });
    proxy.forward(http.address.origin, token);
    return { url: resource, close };
  } catch (error) {
    await close();
    throw error;
  }
}
