import { invalidToken } from '../auth-error.js';

/**
 * Prefix of the WebSocket subprotocol entry that carries a bearer token from clients that
 * cannot send headers (browsers): `bearer.` followed by the token in base64url, offered next to
 * `mcp`. A server never selects it, so it is never echoed back.
 */
export const TOKEN_SUBPROTOCOL_PREFIX = 'bearer.';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The tokens of every `bearer.` entry among the offered subprotocols, decoded. An entry that is
 * not base64url of UTF-8 text is a refused token (401), not a server failure.
 */
export function subprotocolTokens(protocols: Iterable<string>): string[] {
  const tokens: string[] = [];
  for (const protocol of protocols) {
    if (!protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) continue;
    const encoded = protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
    if (!BASE64URL.test(encoded) || encoded.length % 4 === 1)
      throw invalidToken('the bearer. subprotocol entry is not base64url');
    const base64 = encoded.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    try {
      tokens.push(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw invalidToken('the bearer. subprotocol entry is not UTF-8 text');
    }
  }
  return tokens;
}
