import { createPortcullis, createRegistry, defineTool } from '@portcullis/core';
import { startHttpServer } from '@portcullis/streamable-http';
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
  issuer: 'https://door.example.com', // the authorization server whose JWTs are accepted
});

// Streamable HTTP on port 8080, both protocol revisions; attachWebSocketServer adds WebSocket on
// the same port, and createKoaMiddleware mounts the endpoint in your own Koa app instead.
const server = await startHttpServer({ port: 8080, portcullis });
console.log(`MCP endpoint: ${server.url}`);
