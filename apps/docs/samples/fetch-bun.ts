import type { FetchHandler } from '@portcullis/fetch';
import { createNotesEndpoint } from './fetch-notes-endpoint.js';

/** The part of Bun's API this program uses (Bun's own types come with `@types/bun`). */
declare const Bun: {
  env: Record<string, string | undefined>;
  serve(options: { port: number; hostname: string; fetch(request: Request): Promise<Response> }): {
    port: number;
  };
};

// `ISSUER=https://as.example bun bun-server.ts`: one process serves every request, so the
// verified-token cache, the key set and the rate limits live as long as it does.
let endpoint: FetchHandler | undefined;
const server = Bun.serve({
  port: Number(Bun.env.PORT ?? 0),
  hostname: '127.0.0.1',
  fetch: async (request) => (await endpoint?.fetch(request)) ?? new Response(null, { status: 503 }),
});
const url = `http://127.0.0.1:${server.port}/mcp`;
endpoint = createNotesEndpoint({ resource: url, issuer: Bun.env.ISSUER ?? '' });
console.log(`MCP endpoint: ${url}`);
