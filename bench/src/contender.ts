/**
 * One contender in a process of its own. `BENCH_CONTENDER` (JSON) names the kind and the
 * authorization server's issuer and counting JWKS URL; the process listens on 127.0.0.1,
 * sends `{ type: 'ready', url, resource }` over IPC and answers `stats` requests (CPU time,
 * memory) until it is killed. `portcullis-stdio` serves stdin/stdout instead (its parent is
 * the driver, which owns the pipes) and reports `ready` without a URL.
 */
import { createWriteStream } from 'node:fs';
import {
  type AuditEvent,
  createJwtVerifier,
  createMemoryRateLimiter,
  createPortcullis,
  createRegistry,
  defineTool,
  type Portcullis,
} from '@portcullis/core';
import { createFetchHandler } from '@portcullis/fetch';
import { serveStdio } from '@portcullis/stdio';
import { startHttpServer } from '@portcullis/streamable-http';
import { startWebSocketServer } from '@portcullis/websocket';
import { z } from 'zod';
import { startHttpFloor, startWebSocketFloor } from './floors.js';
import type { ContenderConfig } from './kinds.js';
import { startSdkV1Stack, startSdkV2Stack } from './sdk-stacks.js';
import { answerStatsRequests, joseVerifier, SCOPE, TOOL, toolText } from './shared.js';
import { answerProfileRequests } from './steady-profile.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** What an audit sink of a real deployment does: JSON lines, buffered, written to a file. */
const auditFile = createWriteStream('/dev/null');
let auditLines = '';
let auditCount = 0;
const jsonLineSink = (event: AuditEvent) => {
  auditLines += `${JSON.stringify(event)}\n`;
  if (++auditCount % 256 === 0) {
    auditFile.write(auditLines);
    auditLines = '';
  }
};

/** What each Portcullis contender kind turns on beside the plain stateless contender. */
function featuresOf(kind: ContenderConfig['kind']) {
  switch (kind) {
    case 'portcullis-http-dpop':
      // Every call carries a token bound to a key (`cnf.jkt`) and a fresh proof (ES256).
      return { dpop: { mode: 'required' as const } };
    case 'portcullis-http-rate-limited':
      // A limit no caller of the run reaches: every message is counted, none refused.
      return { rateLimiter: createMemoryRateLimiter({ limit: 1e9, windowMs: 1_000 }) };
    case 'portcullis-http-audited':
      return { audit: jsonLineSink };
    default:
      return {};
  }
}

function portcullisFor(config: ContenderConfig, resource: string): Portcullis {
  return createPortcullis({
    ...featuresOf(config.kind),
    resource,
    server: { name: 'bench', version: '1.0.0' },
    registry: createRegistry({
      tools: [
        defineTool({
          name: TOOL,
          description: 'Read.',
          scopes: [SCOPE],
          input: z.object({ path: z.string() }),
          handler: ({ path }, { auth }) => ({
            content: [{ type: 'text', text: toolText(auth?.subject, path) }],
          }),
        }),
      ],
    }),
    verifier: createJwtVerifier({
      issuers: [{ issuer: config.issuer, jwksUri: config.jwksUri }],
      audience: resource,
    }),
    authorizationServers: [config.issuer],
    logger: silent,
  });
}

async function start(config: ContenderConfig): Promise<{ url?: string; resource?: string }> {
  const { issuer, jwksUri } = config;
  switch (config.kind) {
    case 'portcullis-http-stateless':
    case 'portcullis-http-modern':
    case 'portcullis-http-dpop':
    case 'portcullis-http-rate-limited':
    case 'portcullis-http-audited':
    case 'portcullis-http-session': {
      const server = await startHttpServer({
        ...(config.kind === 'portcullis-http-session' && {
          // Room for the idle-session memory measurement (1,000 sessions of one identity).
          sessions: { maxSessions: 10_000, maxSessionsPerIdentity: 10_000 },
          jsonResponse: true,
        }),
        portcullis: ({ origin }) => portcullisFor(config, `${origin}/mcp`),
      });
      return { url: server.url, resource: server.portcullis.resource };
    }
    case 'portcullis-fetch-node': {
      // The fetch adapter on Node, through @hono/node-server's Request/Response bridge.
      const { serve } = await import('@hono/node-server');
      let handler: ReturnType<typeof createFetchHandler> | undefined;
      const port = await new Promise<number>((resolve) => {
        serve(
          { fetch: (request: Request) => handler!.fetch(request), port: 0, hostname: '127.0.0.1' },
          (info) => resolve(info.port),
        );
      });
      const resource = `http://127.0.0.1:${port}/mcp`;
      handler = createFetchHandler(portcullisFor(config, resource));
      return { url: resource, resource };
    }
    case 'portcullis-ws': {
      const server = await startWebSocketServer({
        // Room for the idle-connection memory measurement (5,000 connections).
        maxConnections: 10_000,
        portcullis: ({ origin }) => portcullisFor(config, `${origin}/mcp`),
      });
      return { url: server.url, resource: server.portcullis.resource };
    }
    case 'portcullis-stdio': {
      const server = await serveStdio(portcullisFor(config, config.resource ?? ''));
      void server.done.then(() => process.exit(0));
      return {};
    }
    case 'sdk-v2':
    case 'sdk-v1-stateless':
    case 'sdk-v1-session': {
      let audience = '';
      const verifier = joseVerifier({ issuer, jwksUri, cache: true, audience: () => audience });
      const stack =
        config.kind === 'sdk-v2'
          ? await startSdkV2Stack(verifier)
          : await startSdkV1Stack(
              verifier,
              config.kind === 'sdk-v1-session' ? 'stateful' : 'stateless',
            );
      audience = stack.url;
      return { url: stack.url, resource: stack.url };
    }
    case 'floor-http-cached':
    case 'floor-http-verify': {
      const url = await startHttpFloor({
        issuer,
        jwksUri,
        cache: config.kind === 'floor-http-cached',
      });
      return { url, resource: url };
    }
    case 'floor-ws': {
      const url = await startWebSocketFloor({ issuer, jwksUri });
      return { url, resource: url.replace(/^ws:/, 'http:') };
    }
  }
}

const config = JSON.parse(process.env.BENCH_CONTENDER ?? '{}') as ContenderConfig;
answerStatsRequests();
answerProfileRequests();
process.on('disconnect', () => process.exit(0));
const { url, resource } = await start(config);
process.send?.({ type: 'ready', url, resource });
