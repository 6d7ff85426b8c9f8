import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJwtVerifier, createPortcullis, createRegistry } from '@portcullis/core';
import { createFileTools, DEFAULT_LIMITS } from '@portcullis/file-server-app';
import { type RunningHttpServer, startHttpServer } from '@portcullis/streamable-http';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { type CapturedLog, captureLog } from './captured-log.js';

/**
 * The file server's tools on the Streamable HTTP adapter with stateful sessions on (the file
 * server itself runs stateless, so it has no sessions to attack), trusting a real local
 * authorization server.
 */
export interface SessionTarget {
  readonly http: RunningHttpServer;
  readonly authorizationServer: AuthorizationServer;
  readonly root: string;
  readonly log: CapturedLog;
  /** A read-write token for `subject`. */
  token(subject: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts the stateful target: the file tools, sessions with an in-memory event store. */
export async function startSessionTarget(): Promise<SessionTarget> {
  const root = await mkdtemp(join(tmpdir(), 'portcullis-sessions-'));
  await writeFile(join(root, 'canary.txt'), 'canary');
  const authorizationServer = await startAuthorizationServer();
  const log = captureLog();
  const http = await startHttpServer({
    sessions: {},
    portcullis: ({ origin }) =>
      createPortcullis({
        resource: `${origin}/mcp`,
        server: { name: 'stateful-files', version: '0.0.0' },
        registry: createRegistry({ tools: createFileTools(root, DEFAULT_LIMITS) }),
        verifier: createJwtVerifier({
          issuers: [authorizationServer.issuer],
          audience: `${origin}/mcp`,
        }),
        authorizationServers: [authorizationServer.issuer],
        audit: (event) => log.logger.info({ audit: event }, event.type),
        logger: {
          debug: () => {},
          info: (fields, message) => log.logger.info(fields, message),
          warn: (fields, message) => log.logger.warn(fields, message),
          error: (fields, message) => log.logger.error(fields, message),
        },
      }),
  });
  return {
    http,
    authorizationServer,
    root,
    log,
    token: (subject) =>
      authorizationServer.mintToken({
        audience: http.url,
        subject,
        scopes: ['files:read', 'files:write', 'files:list'],
      }),
    async close() {
      await http.close({ deadlineMs: 1000 });
      await authorizationServer.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
