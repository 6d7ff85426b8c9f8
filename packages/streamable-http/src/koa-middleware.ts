import type { Middleware } from 'koa';
import type { StreamableHttpHandler } from './streamable-http-handler.js';

/**
 * Koa middleware serving the MCP endpoint and its Protected Resource Metadata at their paths,
 * and passing every other request on. Mount it before any body parser, or it reuses the
 * parsed `ctx.request.body`.
 */
export function createKoaMiddleware(handler: StreamableHttpHandler): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== handler.path && ctx.path !== handler.metadataPath) {
      await next();
      return;
    }
    ctx.respond = false;
    await handler.handle(ctx.req, ctx.res, (ctx.request as { body?: unknown }).body);
  };
}
