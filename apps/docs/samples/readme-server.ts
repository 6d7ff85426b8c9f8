import { createJwtVerifier, createPortcullis, createRegistry, defineTool } from '@portcullis/core';
import { z } from 'zod';

const readFile = defineTool({
  name: 'read_file',
  description: 'Read a text file.',
  scopes: ['files:read'],
  input: z.object({ path: z.string() }),
  handler: async ({ path }, { auth }) => ({
    content: [{ type: 'text', text: `${auth?.subject} read ${path}` }],
  }),
});

const portcullis = createPortcullis({
  resource: 'https://files.example.com/mcp', // the canonical URL of the MCP endpoint: the token audience
  server: { name: 'files', version: '1.0.0' },
  registry: createRegistry({ tools: [readFile] }),
  verifier: createJwtVerifier({
    issuers: ['https://door.example.com'],
    audience: 'https://files.example.com/mcp',
  }),
  authorizationServers: ['https://door.example.com'],
});

// Serve it: startHttpServer({ port: 8080, portcullis }) from @portcullis/streamable-http,
// or createKoaMiddleware in your own Koa app; attachWebSocketServer adds WebSocket on the same port.
