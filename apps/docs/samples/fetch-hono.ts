import { serve } from '@hono/node-server';
import type { FetchHandler } from '@portcullis/fetch';
import { Hono } from 'hono';
import { createNotesEndpoint } from './fetch-notes-endpoint.js';

// `ISSUER=https://as.example node hono-server.js`: Hono on Node. The endpoint answers its two
// paths (the MCP endpoint and its metadata) and leaves every other path to the routes after it.
let endpoint: FetchHandler | undefined;
const app = new Hono();
app.use('*', async (c, next) => (await endpoint?.handle(c.req.raw)) ?? next());
app.get('/', (c) => c.text('notes: the MCP endpoint is /mcp'));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
  const url = `http://127.0.0.1:${info.port}/mcp`;
  endpoint = createNotesEndpoint({ resource: url, issuer: process.env.ISSUER ?? '' });
  console.log(`MCP endpoint: ${url}`);
});
