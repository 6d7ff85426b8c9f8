import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { Server as V1Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  isInitializeRequest,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { z } from 'zod';
import { type BenchAuth, SCOPE, TOOL, toolText } from './shared.js';

type AuthInfo = BenchAuth;
type TokenVerifier = { verify(token: string): Promise<BenchAuth> };

/** A contender listening on loopback. */
export interface RunningStack {
  url: string;
  close(): Promise<void>;
}

const TOOL_TEXT = (path: string, auth: AuthInfo | undefined) => toolText(auth?.subject, path);

async function listenOn(server: Server, path: string): Promise<RunningStack> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What a user of the SDK v2 writes: `createMcpHandler` with a factory that builds an
 * `McpServer` per request (both eras), behind `toNodeHandler`, with a bearer check in front
 * that verifies the token with a jose verifier (`joseVerifier`) and checks the scope in the
 * tool.
 */
export function startSdkV2Stack(verifier: TokenVerifier): Promise<RunningStack> {
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: 'bench', version: '1.0.0' });
    server.registerTool(
      TOOL,
      { description: 'Read.', inputSchema: z.object({ path: z.string() }) },
      async ({ path }, ctx) => {
        const auth = ctx.http?.authInfo as AuthInfo | undefined;
        if (!auth?.scopes.includes(SCOPE)) throw new Error('insufficient_scope');
        return { content: [{ type: 'text', text: TOOL_TEXT(path, auth) }] };
      },
    );
    return server;
  });
  const node = toNodeHandler(mcp);
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers.authorization ?? '';
    try {
      const auth = await verifier.verify(header.replace(/^Bearer /, ''));
      (req as IncomingMessage & { auth?: AuthInfo }).auth = auth;
    } catch {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    await node(req, res);
  });
  return listenOn(server, '/mcp');
}

/** A v1 low-level server with the same tool, as the v1 examples build one per request. */
function v1Server(): V1Server {
  const server = new V1Server({ name: 'bench', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [{ name: TOOL, inputSchema: { type: 'object' } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const auth = extra.authInfo as AuthInfo | undefined;
    if (!auth?.scopes.includes(SCOPE)) throw new Error('insufficient_scope');
    const { path } = z.object({ path: z.string() }).parse(request.params.arguments);
    return { content: [{ type: 'text', text: TOOL_TEXT(path, auth) }] };
  });
  return server;
}

/**
 * The SDK v1 Express stack: `requireBearerAuth` with the same verifier, then either a server
 * and a transport per request (stateless) or one per session (stateful), JSON answers.
 */
export function startSdkV1Stack(
  verifier: TokenVerifier,
  mode: 'stateless' | 'stateful',
): Promise<RunningStack> {
  const app = express();
  app.use(express.json());
  const bearer = requireBearerAuth({
    verifier: { verifyAccessToken: (token) => verifier.verify(token) },
  });
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  app.post('/mcp', bearer, async (req, res) => {
    if (mode === 'stateless') {
      const server = v1Server();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
      return;
    }
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport && isInitializeRequest(req.body)) {
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (sessionId: string) => {
          sessions.set(sessionId, created);
        },
      });
      await v1Server().connect(created);
      transport = created;
    }
    if (!transport) {
      res
        .status(400)
        .json({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no session' } });
      return;
    }
    await transport.handleRequest(req, res, req.body);
  });
  return listenOn(createServer(app), '/mcp');
}
