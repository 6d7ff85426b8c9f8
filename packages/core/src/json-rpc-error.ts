/**
 * An error that becomes a JSON-RPC error response with exactly this code, message and data.
 * (The SDK's own `McpError` prefixes its message, which would break clients that compare the
 * message, as Casdoor's clients compare it with `insufficient_scope`.)
 */
export class JsonRpcError extends Error {
  override readonly name = 'JsonRpcError';
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}
