import { UNAUTHORIZED_ERROR_CODE } from './challenge.js';

/** What an {@link InsufficientScopeError} knows about the refusal. */
export interface InsufficientScopeDetails {
  /** What was refused: `tool`, `resource` or `prompt`, when the server said. */
  kind?: 'tool' | 'resource' | 'prompt';
  /** The tool or prompt name, or the resource URI, when the server said. */
  target?: string;
  /** The scopes the call needs, when the server said (the JSON-RPC refusal's `required_scopes`). */
  requiredScopes: readonly string[];
  /** The scopes the token carries, when the server said. */
  grantedScopes: readonly string[];
  /**
   * The scopes to ask for to step up, one per entry: the 403 challenge's `scope` (granted plus
   * needed, per the MCP specification), or granted plus required when only the in-band
   * refusal was seen. {@link InsufficientScopeError.scope} is the same as the `scope=` string.
   */
  scopes: readonly string[];
  /** The server's `error_description`, when there was one. */
  description?: string;
}

/**
 * A call refused for lack of scope, the same whichever transport carried the refusal: an
 * HTTP 403 `insufficient_scope` challenge (the SDK v2 client's `InsufficientScopeError`, the
 * v1 client's `StreamableHTTPError`) or the in-band JSON-RPC error `-32001 insufficient_scope`
 * (WebSocket, stdio, an HTTP 200 body). Get one from any client error with
 * {@link insufficientScopeOf}; the original error is its `cause`.
 */
export class InsufficientScopeError extends Error implements InsufficientScopeDetails {
  override readonly name = 'InsufficientScopeError';
  readonly kind?: 'tool' | 'resource' | 'prompt';
  readonly target?: string;
  readonly requiredScopes: readonly string[];
  readonly grantedScopes: readonly string[];
  readonly scopes: readonly string[];
  /**
   * The scopes to ask for as the token request's `scope` parameter: {@link scopes} joined by
   * spaces (e.g. `files:read files:write`), ready for `scope=` as it is.
   */
  readonly scope: string;
  readonly description?: string;

  constructor(details: InsufficientScopeDetails, options?: { cause?: unknown }) {
    super(
      details.description ??
        `insufficient_scope: ${details.target ? `${details.target} needs ` : 'needs '}${
          details.requiredScopes.join(' ') || details.scopes.join(' ')
        }`,
      options,
    );
    if (details.kind) this.kind = details.kind;
    if (details.target !== undefined) this.target = details.target;
    this.requiredScopes = details.requiredScopes;
    this.grantedScopes = details.grantedScopes;
    this.scopes = details.scopes;
    this.scope = details.scopes.join(' ');
    if (details.description !== undefined) this.description = details.description;
  }

  /**
   * The scopes to ask for, as an array.
   * @deprecated Use {@link scopes} (the same array) or {@link scope} (the `scope=` string):
   * this name read like the string, and a template string made it comma-joined.
   */
  get scopeToRequest(): readonly string[] {
    return this.scopes;
  }
}

const words = (value: unknown): string[] =>
  typeof value === 'string'
    ? value.split(' ').filter(Boolean)
    : Array.isArray(value)
      ? value.map(String)
      : [];

const union = (...lists: ReadonlyArray<readonly string[]>) => [...new Set(lists.flat())];

const KINDS = ['tool', 'resource', 'prompt'] as const;

/** Our `error_description`: `tool 'write_file' needs scope files:write`. */
function fromDescription(description: string | undefined): Partial<InsufficientScopeDetails> {
  // A quoted-string's escapes may be left in by the client's header parser.
  const text = description?.replace(/\\(.)/g, '$1');
  const match = text && /^(tool|resource|prompt) ['"](.*)['"] needs scope (.+)$/.exec(text);
  if (!match) return {};
  return {
    kind: match[1] as InsufficientScopeDetails['kind'],
    target: match[2]!,
    requiredScopes: words(match[3]),
  };
}

/** The in-band refusal: a JSON-RPC error object with code -32001 and `insufficient_scope`. */
function fromErrorObject(error: unknown, cause: unknown): InsufficientScopeError | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
  if (code !== UNAUTHORIZED_ERROR_CODE) return undefined;
  if (typeof message !== 'string' || !message.includes('insufficient_scope')) return undefined;
  const fields = (data ?? {}) as Record<string, unknown>;
  const kind = KINDS.find((name) => typeof fields[name] === 'string');
  const required = words(fields.required_scopes);
  const requiredScopes = required.length > 0 ? required : words(fields.required_scope);
  const grantedScopes = words(fields.granted_scopes);
  return new InsufficientScopeError(
    {
      ...(kind && { kind, target: fields[kind] as string }),
      requiredScopes,
      grantedScopes,
      scopes: union(grantedScopes, requiredScopes),
    },
    { cause },
  );
}

/** A JSON-RPC error inside an HTTP error body, as text. */
export function errorInText(text: string): unknown {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    return (JSON.parse(text.slice(start)) as { error?: unknown }).error;
  } catch {
    return undefined;
  }
}

const brandOf = (error: object) =>
  (error.constructor as { mcpBrand?: unknown } | undefined)?.mcpBrand;

/**
 * The {@link InsufficientScopeError} in an error thrown by an MCP client, or `undefined` when it
 * is not a refusal for lack of scope. Recognises:
 *
 * - the official v2 client's `InsufficientScopeError` (an HTTP 403 challenge),
 * - a JSON-RPC error `-32001` whose message says `insufficient_scope` (the v2 client's
 *   `ProtocolError`, the v1 client's `McpError`, `@portcullis/websocket`'s client transport,
 *   stdio, or a plain `{ code, message, data }`),
 * - an HTTP error carrying our 403 body (the v1 client's `StreamableHTTPError`, the v2
 *   client's `SdkHttpError`),
 * - an {@link InsufficientScopeError} (returned as it is).
 *
 * @example
 * ```ts
 * try {
 *   await client.callTool({ name: 'write_file', arguments: { path: 'a.txt', content: 'x' } });
 * } catch (error) {
 *   const refusal = insufficientScopeOf(error);
 *   if (!refusal) throw error;
 *   // Ask the authorization server for refusal.scope (e.g. "files:read files:write").
 * }
 * ```
 */
export function insufficientScopeOf(error: unknown): InsufficientScopeError | undefined {
  if (error instanceof InsufficientScopeError) return error;
  if (error === null || typeof error !== 'object') return undefined;
  const inBand = fromErrorObject(error, error);
  if (inBand) return inBand;
  if (brandOf(error) === 'mcp.InsufficientScopeError') {
    const { requiredScope, errorDescription } = error as {
      requiredScope?: string;
      errorDescription?: string;
    };
    const described = fromDescription(errorDescription);
    const scopes = words(requiredScope);
    // The challenge's scope is granted + required and our description names the missing ones,
    // so what the token had is the challenge's scope without them.
    const missing = described.requiredScopes;
    const grantedScopes = missing ? scopes.filter((scope) => !missing.includes(scope)) : [];
    return new InsufficientScopeError(
      {
        ...described,
        requiredScopes: described.requiredScopes ?? [],
        grantedScopes,
        scopes,
        ...(errorDescription !== undefined && {
          description: errorDescription.replace(/\\(.)/g, '$1'),
        }),
      },
      { cause: error },
    );
  }
  const status =
    (error as { status?: unknown; code?: unknown }).status ?? (error as { code?: unknown }).code;
  if (status === 403) {
    const data = (error as { data?: { text?: unknown } }).data;
    const text =
      typeof data?.text === 'string' ? data.text : String((error as { message?: unknown }).message);
    return fromErrorObject(errorInText(text), error);
  }
  return undefined;
}

/** Whether a client error is a refusal for lack of scope, on any transport; see {@link insufficientScopeOf}. */
export function isInsufficientScope(error: unknown): boolean {
  return insufficientScopeOf(error) !== undefined;
}
