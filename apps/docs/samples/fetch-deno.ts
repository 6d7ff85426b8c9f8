import type { FetchHandler } from '@portcullis/fetch';
import { createNotesEndpoint } from './fetch-notes-endpoint.js';

/** The part of Deno's API this program uses (Deno's own types come with `deno check`). */
declare const Deno: {
  env: { get(name: string): string | undefined };
  serve(
    options: { port: number; hostname: string; onListen(address: { port: number }): void },
    handler: (request: Request) => Promise<Response>,
  ): unknown;
};

// `ISSUER=https://as.example deno run --allow-net --allow-env deno-server.ts`: one process
// serves every request, so caches and rate limits live as long as it does.
let endpoint: FetchHandler | undefined;
Deno.serve(
  {
    port: Number(Deno.env.get('PORT') ?? 0),
    hostname: '127.0.0.1',
    onListen({ port }) {
      const url = `http://127.0.0.1:${port}/mcp`;
      endpoint = createNotesEndpoint({ resource: url, issuer: Deno.env.get('ISSUER') ?? '' });
      console.log(`MCP endpoint: ${url}`);
    },
  },
  async (request) => (await endpoint?.fetch(request)) ?? new Response(null, { status: 503 }),
);
