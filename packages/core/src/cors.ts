/** CORS for browser-based MCP clients. */
export interface CorsOptions {
  /** Origins allowed to call from a browser. */
  origins: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds. Default 600. */
  maxAgeSeconds?: number;
}

/** Headers of an answer to an allowed cross-origin request; `dpop` exposes `DPoP-Nonce`. */
export function corsHeaders(origin: string, dpop = false): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': `mcp-session-id, www-authenticate, mcp-protocol-version${dpop ? ', dpop-nonce' : ''}`,
    vary: 'Origin',
  };
}

/** Headers of an answer to a preflight request; `dpop` allows the `DPoP` request header. */
export function preflightHeaders(options: CorsOptions, dpop = false): Record<string, string> {
  return {
    'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
    'access-control-allow-headers': `authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id${dpop ? ', dpop' : ''}`,
    'access-control-max-age': String(options.maxAgeSeconds ?? 600),
  };
}
