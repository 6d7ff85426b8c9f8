import type { FetchHandler } from '@portcullis/fetch';
import { createNotesEndpoint } from './fetch-notes-endpoint.js';

/** The worker's bindings (`[vars]` in wrangler.toml). */
interface Env {
  /** The public URL of the MCP endpoint, e.g. `https://notes.example.workers.dev/mcp`. */
  RESOURCE: string;
  ISSUER: string;
}

/**
 * A Cloudflare Worker (workerd). The endpoint is made once per isolate, on its first request,
 * and kept in module scope: caches and rate limits are per isolate, and an isolate may be
 * evicted at any time (see docs/runtimes.md for what to share through a platform store).
 */
let endpoint: FetchHandler | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    endpoint ??= createNotesEndpoint({ resource: env.RESOURCE, issuer: env.ISSUER });
    return endpoint.fetch(request);
  },
};
