/**
 * The MCP Streamable HTTP endpoint of Portcullis as a Web-standard fetch handler,
 * `(Request) => Promise<Response>`: Bun, Deno, Cloudflare Workers, Hono, Next.js route handlers.
 *
 * @packageDocumentation
 * @module @portcullis/fetch
 */
export {
  createFetchHandler,
  type FetchHandler,
  type FetchHandlerOptions,
} from './fetch-handler.js';
