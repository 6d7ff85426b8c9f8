import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestTarget } from './request-target.js';
import type { StreamableHttpHandler } from './streamable-http-handler.js';

/**
 * The parts of a Koa context the middleware uses. Koa's own context fits it; declaring it here
 * keeps Koa's type packages out of this package's public types.
 */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  respond?: boolean;
  request: { body?: unknown };
}

/** A Koa middleware function. */
export type KoaMiddlewareLike = (
  ctx: KoaContextLike,
  next: () => Promise<unknown>,
) => Promise<void>;

/**
 * Koa middleware serving the MCP endpoint and its Protected Resource Metadata at their paths,
 * and passing every other request on. Mount it before any body parser, or it reuses the
 * parsed `ctx.request.body`.
 */
export function createKoaMiddleware(handler: StreamableHttpHandler): KoaMiddlewareLike {
  return async (ctx, next) => {
    // The handler's own reading of the target, not Koa's: both must agree on every request form.
    const pathname = requestTarget(ctx.req)?.pathname;
    if (
      pathname === undefined ||
      (pathname !== handler.path && pathname !== handler.metadataPath)
    ) {
      await next();
      return;
    }
    ctx.respond = false;
    await handler.handle(ctx.req, ctx.res, ctx.request.body);
  };
}
