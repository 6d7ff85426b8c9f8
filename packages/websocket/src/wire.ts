import { TOKEN_SUBPROTOCOL_PREFIX } from '@portcullis/core/adapter';

export { TOKEN_SUBPROTOCOL_PREFIX };

/** The WebSocket subprotocol of MCP, as the SDK's client offers it. */
export const MCP_SUBPROTOCOL = 'mcp';

/** Encodes a token as a subprotocol entry (any token, whatever its characters; works in browsers). */
export function tokenSubprotocol(token: string): string {
  const binary = String.fromCharCode(...new TextEncoder().encode(token));
  return `${TOKEN_SUBPROTOCOL_PREFIX}${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/**
 * The in-band re-authentication request: a JSON-RPC request with this method and
 * `params: { token }`. The server answers `{ expiresAt, scopes }` when the token is valid and
 * names the same identity (issuer, subject, client); otherwise it answers error `-32001` and
 * closes the connection with {@link CloseCode.ReauthenticationRefused}.
 *
 * DPoP (RFC 9449): a DPoP-bound token comes with `params.dpop`, a proof made for this message
 * as for an HTTP request — `htm: "POST"`, `htu` the WebSocket URL the connection was opened on
 * (query and fragment ignored; `ws:`/`wss:` or `http:`/`https:`), `ath` the hash of the new
 * token, a fresh `jti`. With server nonces on, the result carries `dpopNonce`, the nonce for the
 * next proof; a proof without the current nonce gets error `-32001` with
 * `data: { error: "use_dpop_nonce", dpopNonce }` and the connection stays open for a retry.
 */
export const REAUTHENTICATE_METHOD = 'portcullis/authenticate';

/** The result of a successful re-authentication. */
export interface ReauthenticateResult {
  expiresAt: number;
  scopes: string[];
  /** With server DPoP nonces on: the nonce for the next proof. */
  dpopNonce?: string;
}

/** The close codes this transport uses. */
export const CloseCode = {
  /** The server is shutting down. */
  GoingAway: 1001,
  /** A binary frame was received; MCP messages are text. */
  UnsupportedData: 1003,
  /** A frame exceeded the size limit. */
  MessageTooBig: 1009,
  /** The token expired and no fresh one came within the grace period. */
  TokenExpired: 4401,
  /** A re-authentication named another identity, or its token was refused. */
  ReauthenticationRefused: 4403,
  /** The client read too slowly: its send buffer outgrew the bound. */
  SlowConsumer: 4408,
  /** The peer stopped answering heartbeats. */
  HeartbeatTimeout: 4409,
} as const;
