// A complete protected MCP server in your own Koa app, and a client for it:
// - a development authorization server (a real oidc-provider) issues the tokens,
// - the Koa app keeps its own routes and serves MCP at /mcp (Streamable HTTP),
// - MCP over WebSocket shares the same http.Server at /mcp/ws,
// - the official MCP SDK client calls a tool on both, then everything shuts down.
// Run it: npx -y pnpm@10.34.9 --filter @portcullis/docs exec tsx samples/complete-server.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createJwtVerifier, createPortcullis, createRegistry, defineTool } from '@portcullis/core';
import { createKoaMiddleware, createStreamableHttpHandler } from '@portcullis/streamable-http';
import { DEFAULT_SCOPES, startAuthorizationServer } from '@portcullis/testing';
import { attachWebSocketServer, WebSocketClientTransport } from '@portcullis/websocket';
import Koa from 'koa';
import { z } from 'zod';
export async function main() {
  // 1. A development authorization server that knows our own scope.
  const as = await startAuthorizationServer({ scopes: [...DEFAULT_SCOPES, 'notes:read'] });

  // 2. The http.Server first: its port is part of the resource URL (the token audience).
  const httpServer = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  const resource = `http://127.0.0.1:${port}/mcp`;

  // 3. Portcullis: the tools with their scopes, and who to trust.
  const notes: string[] = ['buy milk'];
  const portcullis = createPortcullis({
    resource,
    server: { name: 'notes', version: '1.0.0' },
    registry: createRegistry({
      tools: [
        defineTool({
          name: 'list_notes',
          description: 'Lists the notes.',
          scopes: ['notes:read'],
          requireAuth: true,
          handler: async (_args, { auth }) => ({
            content: [{ type: 'text', text: `${auth.subject}: ${notes.join(', ')}` }],
          }),
        }),
        defineTool({
          name: 'count_words',
          description: 'Counts the words of a text.',
          scopes: ['notes:read'],
          input: { text: z.string() }, // the SDK's raw shape works too
          handler: async ({ text }) => ({
            content: [{ type: 'text', text: String(text.split(/\s+/).filter(Boolean).length) }],
          }),
        }),
      ],
    }),
    verifier: createJwtVerifier({ issuers: [as.issuer], audience: resource }),
    authorizationServers: [as.issuer],
  });

  // 4. The app's own routes, then MCP over HTTP, then WebSocket on the same server.
  const app = new Koa();
  app.use(async (ctx, next) => {
    if (ctx.path === '/hello') {
      ctx.body = { hello: 'world' };
      return;
    }
    await next();
  });
  const mcp = createStreamableHttpHandler(portcullis);
  app.use(createKoaMiddleware(mcp)); // serves /mcp and /.well-known/oauth-protected-resource/mcp
  httpServer.on('request', app.callback()); // after every app.use: Koa composes them here
  const websocket = attachWebSocketServer(httpServer, portcullis, { path: '/mcp/ws' });

  // 5. A client: a token by client credentials for this resource, then the SDK client.
  const registered = await as.registerClient();
  const { access_token: token } = await as.clientCredentialsToken({
    clientId: registered.clientId,
    clientSecret: registered.clientSecret!,
    scope: 'notes:read',
    resource,
  });
  const results: string[] = [];
  const overHttp = new Client({ name: 'notes-client', version: '1.0.0' });
  await overHttp.connect(
    new StreamableHTTPClientTransport(new URL(resource), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  const listed = await overHttp.callTool({ name: 'list_notes', arguments: {} });
  results.push(`HTTP: ${(listed.content as Array<{ text: string }>)[0]!.text}`);
  await overHttp.close();

  const overWebSocket = new Client({ name: 'notes-client', version: '1.0.0' });
  await overWebSocket.connect(
    new WebSocketClientTransport(`ws://127.0.0.1:${port}/mcp/ws`, { token }),
  );
  const counted = await overWebSocket.callTool({
    name: 'count_words',
    arguments: { text: 'one token, two transports' },
  });
  results.push(`WebSocket: ${(counted.content as Array<{ text: string }>)[0]!.text} words`);
  await overWebSocket.close();

  const hello = await (await fetch(`http://127.0.0.1:${port}/hello`)).json();
  results.push(`own route: ${JSON.stringify(hello)}`);

  // 6. Shut down: transports first (they finish what is in flight), then the servers.
  await websocket.close();
  await mcp.close();
  await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  await as.close();
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await main()) console.log(line);
}
