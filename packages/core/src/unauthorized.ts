import { UNAUTHORIZED_ERROR_CODE } from './challenge.js';
import { errorInText } from './insufficient-scope.js';
import { parseBearerChallenge } from './www-authenticate.js';

/**
 * A call refused because the token was missing, expired or invalid (HTTP 401, or the in-band
 * JSON-RPC error `-32001 Unauthorized`), with the server's reason. Its `message` is the
 * server's `error_description` (`token has expired`, `token signature is invalid`…) when the
 * server gave one. Get one from any client error with {@link unauthorizedOf}; the original
 * error is its `cause`.
 */
export class UnauthorizedRefusal extends Error {
  override readonly name = 'UnauthorizedRefusal';
  /** The OAuth error code of the challenge (`invalid_token`, `invalid_request`), when the server said. */
  readonly error?: string;
  /** The server's `error_description`, when it gave one. */
  readonly description?: string;
  /** The challenge's `resource_metadata` URL, when the refusal carried the header. */
  readonly resourceMetadataUrl?: string;

  constructor(
    details: { error?: string; description?: string; resourceMetadataUrl?: string },
    options?: { cause?: unknown },
  ) {
    super(details.description ?? 'unauthorized: the server refused the token', options);
    if (details.error !== undefined) this.error = details.error;
    if (details.description !== undefined) this.description = details.description;
    if (details.resourceMetadataUrl !== undefined)
      this.resourceMetadataUrl = details.resourceMetadataUrl;
  }
}

/** The description of a JSON-RPC `-32001 Unauthorized` error object (not a scope refusal). */
function describeErrorObject(error: unknown): { description?: string } | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
  if (code !== UNAUTHORIZED_ERROR_CODE) return undefined;
  if (typeof message === 'string' && message.includes('insufficient_scope')) return undefined;
  if (typeof data === 'string') return { description: data };
  const described = (data as { error_description?: unknown } | undefined)?.error_description;
  return typeof described === 'string' ? { description: described } : {};
}

/** The refusal one error carries itself, without looking at its causes. */
function refusalIn(error: object): UnauthorizedRefusal | undefined {
  const fields = error as {
    status?: unknown;
    code?: unknown;
    wwwAuthenticate?: unknown;
    body?: unknown;
    message?: unknown;
    data?: { status?: unknown; text?: unknown };
  };
  const status = fields.status ?? fields.data?.status ?? fields.code;
  if (status === 401) {
    const challenge =
      typeof fields.wwwAuthenticate === 'string'
        ? parseBearerChallenge(fields.wwwAuthenticate)
        : undefined;
    const text = [fields.data?.text, fields.body, fields.message].find(
      (value): value is string => typeof value === 'string' && value.includes('{'),
    );
    const inBody = text === undefined ? undefined : describeErrorObject(errorInText(text));
    const description = challenge?.error_description ?? inBody?.description;
    return new UnauthorizedRefusal(
      {
        ...(challenge?.error !== undefined && { error: challenge.error }),
        ...(description !== undefined && { description }),
        ...(challenge?.resource_metadata !== undefined && {
          resourceMetadataUrl: challenge.resource_metadata,
        }),
      },
      { cause: error },
    );
  }
  const inBand = describeErrorObject(error);
  return inBand && new UnauthorizedRefusal(inBand, { cause: error });
}

/**
 * The {@link UnauthorizedRefusal} in an error thrown by an MCP client, or `undefined` when it is
 * not a refusal of the token. The official v2 client reports a 401 as an `SdkHttpError` (e.g.
 * "Version negotiation failed: the server requires authorization (HTTP 401)") with the
 * server's reason only in the response text; this reads it back. Recognises an error with HTTP
 * status 401 (`SdkHttpError`, the v1 client's `StreamableHTTPError`, `@portcullis/websocket`'s
 * `WebSocketUpgradeError` with its `WWW-Authenticate`), the in-band JSON-RPC error
 * `-32001 Unauthorized` (WebSocket, stdio), and any of these as the `cause` of another error.
 * A refusal for lack of scope is not one: see `insufficientScopeOf`.
 *
 * @example
 * ```ts
 * try {
 *   await client.connect(transport);
 * } catch (error) {
 *   const refusal = unauthorizedOf(error);
 *   if (!refusal) throw error;
 *   console.error(`refused: ${refusal.message}`); // e.g. "token has expired"
 * }
 * ```
 */
export function unauthorizedOf(error: unknown): UnauthorizedRefusal | undefined {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (current instanceof UnauthorizedRefusal) return current;
    if (current === null || typeof current !== 'object') return undefined;
    const refusal = refusalIn(current);
    if (refusal)
      return error === current ? refusal : new UnauthorizedRefusal(refusal, { cause: error });
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
