import { createNotesEndpoint } from './fetch-notes-endpoint.js';

/**
 * A Next.js route handler (App Router), saved as `app/mcp/route.ts`; the metadata needs a
 * second route at `app/.well-known/oauth-protected-resource/mcp/route.ts` exporting `GET`
 * from here. The endpoint lives in module scope: one per server instance (or per isolate on
 * the edge runtime).
 */
const endpoint = createNotesEndpoint({
  resource: process.env.MCP_RESOURCE ?? 'http://localhost:3000/mcp',
  issuer: process.env.MCP_ISSUER ?? 'http://localhost:4000',
});

const handle = (request: Request) => endpoint.fetch(request);

export { handle as DELETE, handle as GET, handle as OPTIONS, handle as POST };
