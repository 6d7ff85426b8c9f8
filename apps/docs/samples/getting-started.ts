import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createPortcullis, createRegistry, defineTool } from '@portcullis/core';
import { startHttpServer } from '@portcullis/streamable-http';
import { DEFAULT_SCOPES, startAuthorizationServer } from '@portcullis/testing';
import { z } from 'zod';

// A development authorization server that knows our scope.
const as = await startAuthorizationServer({ scopes: [...DEFAULT_SCOPES, 'notes:read'] });

// One tool, behind one scope.
const readNote = defineTool({
  name: 'read_note',
  description: 'Reads a note.',
  scopes: ['notes:read'],
  input: z.object({ id: z.string() }),
  requireAuth: true,
  handler: async ({ id }, { auth }) => ({
    content: [{ type: 'text', text: `note ${id}, read by ${auth.subject}` }],
  }),
});

// The server: the resource URL (the token audience) comes from the port it listens on, and
// the one issuer it trusts is the development server.
const server = await startHttpServer({
  port: 0,
  portcullis: ({ port }) =>
    createPortcullis({
      resource: `http://127.0.0.1:${port}/mcp`,
      issuer: as.issuer,
      registry: createRegistry({ tools: [readNote] }),
      server: { name: 'notes', version: '1.0.0' },
    }),
});

// A token for that resource, by client credentials.
const client = await as.registerClient();
const { access_token } = await as.clientCredentialsToken({
  clientId: client.clientId,
  clientSecret: client.clientSecret!,
  scope: 'notes:read',
  resource: server.url,
});

// The official MCP client, with the token in the Authorization header.
const mcp = new Client({ name: 'getting-started', version: '1.0.0' });
await mcp.connect(
  new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: { authorization: `Bearer ${access_token}` } },
  }),
);
const result = await mcp.callTool({ name: 'read_note', arguments: { id: '42' } });
console.log((result.content as Array<{ type: 'text'; text: string }>)[0]!.text);

await mcp.close();
await server.close();
await as.close();
