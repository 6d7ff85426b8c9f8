/** CORS for browser-based MCP clients. */
export interface CorsOptions {
  /** Origins allowed to call from a browser. */
  origins: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. Default 600. */
  maxAgeSeconds?: number;
}

/** Headers of an answer to an allowed cross-origin request. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'mcp-session-id, www-authenticate, mcp-protocol-version',
    vary: 'Origin',
  };
}

/** Headers of an answer to a preflight request. */
export function preflightHeaders(options: CorsOptions): Record<string, string> {
  return {
    'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
    'access-control-allow-headers':
      'authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id',
    'access-control-max-age': String(options.maxAgeSeconds ?? 600),
  };
}
