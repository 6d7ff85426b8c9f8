import {
  Client,
  type ProtocolEra,
  StreamableHTTPClientTransport,
  type Transport,
  withDpop,
} from '@modelcontextprotocol/client';
import { WebSocketClientTransport } from '@portcullis/websocket';
import { z } from 'zod';
import { discoverFromChallenge } from './discover-token-endpoint.js';
import { type AuthRefusal, type LastResponse, refusalOf, type ScopeRefusal } from './refusal.js';
import type { TokenClient } from './token-client.js';

/** A tool as listed. */
export interface ListedTool {
  name: string;
  title?: string;
  description?: string;
}

/** The result of a tool call. */
export interface ToolCallResult {
  content: Array<{ type: string; text?: string; [key: string]: unknown }>;
  structuredContent?: unknown;
  isError?: boolean;
}

/** Options for {@link connectToMcpServer}. */
export interface McpConnectionOptions {
  /** The MCP endpoint: `http(s)://` for Streamable HTTP, `ws(s)://` for WebSocket. */
  server: string;
  tokens: TokenClient;
  /**
   * The resource indicator to ask tokens for. Default: the `resource` the server's metadata
   * names when discovery runs, else the server URL.
   */
  resource?: string;
  /** On insufficient_scope, ask for a token with the missing scopes and retry once. */
  stepUp: boolean;
  /** Called with a line for a person each time the client re-authenticates or steps up. */
  onNotice?: (message: string) => void;
}

/** An open connection to a protected MCP server. */
export interface McpConnection {
  /**
   * The protocol era negotiated: `modern` (2026-07-28 and later, found with `server/discover`)
   * or `legacy` (the `initialize` handshake of 2024-11-05 to 2025-11-25).
   */
  readonly era: ProtocolEra;
  /** The protocol revision negotiated, e.g. `2026-07-28` or Casdoor's `2024-11-05`. */
  readonly protocolVersion: string;
  listTools(): Promise<ListedTool[]>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolCallResult>;
  close(): Promise<void>;
}

/** Thrown when a call stays refused for lack of scope. */
export class ScopeDeniedError extends Error {
  override readonly name = 'ScopeDeniedError';
  constructor(readonly refusal: ScopeRefusal) {
    super(`insufficient scope for ${refusal.tool ?? 'the call'}`);
  }
}

/** Thrown when the server keeps refusing the client's tokens. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  constructor(readonly refusal: AuthRefusal) {
    super(`unauthorized: ${refusal.reason}`);
  }
}

/** `tools/list` as servers really answer it: Casdoor sends `{"tools": null}` when none match. */
const LenientToolList = z.looseObject({
  tools: z
    .array(
      z.looseObject({
        name: z.string(),
        title: z.string().optional(),
        description: z.string().optional(),
      }),
    )
    .nullable(),
});

const unionOf = (...lists: string[][]) => [...new Set(lists.flat())];

/**
 * Connects with the official SDK client and keeps the connection authorized. The client
 * negotiates the protocol era: it probes with `server/discover` and speaks 2026-07-28 to a
 * server that offers it, and falls back to `initialize` for the others (Casdoor answers
 * 2024-11-05). The current token rides on every request, cookies are never kept or sent
 * (Casdoor would treat a returned session cookie as a logged-in user and skip its scope
 * checks), a 401 leads to discovery or one fresh token, and an insufficient_scope refusal to
 * one step-up when allowed. Never loops.
 */
export async function connectToMcpServer(options: McpConnectionOptions): Promise<McpConnection> {
  const { tokens } = options;
  const notice = options.onNotice ?? (() => {});
  const websocket = /^wss?:/i.test(options.server);
  let last: LastResponse | undefined;

  // DPoP-bound tokens go out as `Authorization: DPoP` with a fresh proof per request, by the
  // official SDK's own middleware (which also answers a `use_dpop_nonce` challenge once).
  const send = withDpop(
    () => tokens.dpop,
    () => tokens.current,
  )(fetch);
  const fetchWithToken = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const headers = new Headers(init?.headers);
    headers.delete('cookie');
    if (tokens.current) headers.set('authorization', `Bearer ${tokens.current}`);
    const response = await send(input instanceof Request ? input.url : input, {
      ...init,
      headers,
      credentials: 'omit',
    });
    // Only POSTs carry the answers to our requests; the GET stream must not overwrite them.
    if (init?.method === 'POST')
      last = {
        status: response.status,
        wwwAuthenticate: response.headers.get('www-authenticate'),
        // The SDK's insufficient_scope error keeps the challenge but not the body, which
        // names the tool and the granted scopes.
        body: response.ok ? undefined : await response.clone().text(),
      };
    return response;
  };

  const open = async (): Promise<{ client: Client; transport: Transport }> => {
    const transport: Transport = websocket
      ? new WebSocketClientTransport(options.server, {
          token: () => (tokens.endpoint ? tokens.token() : undefined),
          dpop: tokens.dpop,
        })
      : new StreamableHTTPClientTransport(new URL(options.server), {
          fetch: fetchWithToken,
          // Client credentials cannot be widened by the SDK's re-authorization: step up here.
          onInsufficientScope: 'throw',
        });
    const client = new Client(
      { name: 'portcullis-client-demo', version: '0.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await client.connect(transport);
    return { client, transport };
  };

  tokens.resource = options.resource ?? (websocket ? undefined : options.server);
  const connectAuthorized = async () => {
    if (tokens.endpoint) await tokens.token();
    try {
      return await open();
    } catch (error) {
      const refusal = refusalOf(error, last);
      if (refusal?.kind !== 'unauthorized') throw error;
      if (!tokens.endpoint || !tokens.current) {
        const found = await discoverFromChallenge(refusal.challenge ?? last?.wwwAuthenticate);
        tokens.endpoint = found.tokenEndpoint;
        tokens.authMethod = found.basicAuth ? 'client_secret_basic' : 'client_secret_post';
        notice(
          `discovered authorization server ${found.issuer}; token endpoint ${found.tokenEndpoint}`,
        );
        if (tokens.scopes.length === 0) tokens.scopes = found.scopesSupported;
        if (!options.resource && found.resource) tokens.resource = found.resource;
      }
      await tokens.token({ force: true });
      try {
        return await open();
      } catch (retry) {
        const again = refusalOf(retry, last);
        if (again?.kind === 'unauthorized') throw new UnauthorizedError(again);
        throw retry;
      }
    }
  };

  let { client, transport } = await connectAuthorized();
  if (tokens.dpop) notice(`DPoP: the token is bound to key ${tokens.dpop.thumbprint}`);
  else if (tokens.wantsDpop && tokens.current)
    notice('DPoP: the authorization server issued an unbound Bearer token; it is sent as Bearer');
  notice(
    `protocol ${client.getNegotiatedProtocolVersion()}, negotiated with ${
      client.getProtocolEra() === 'modern'
        ? 'server/discover'
        : 'initialize (the server offers no 2026-07-28)'
    }`,
  );

  /** Runs `call`, renewing the token once on 401 and stepping up once on insufficient_scope. */
  async function authorized<T>(call: () => Promise<T>): Promise<T> {
    let renewed = false;
    let steppedUp = false;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        const refusal = refusalOf(error, last);
        if (refusal?.kind === 'unauthorized' && !renewed) {
          renewed = true;
          notice('the server refused the token; getting a fresh one');
          await tokens.token({ force: true });
          if (websocket) {
            await client.close();
            ({ client, transport } = await open());
          }
          continue;
        }
        if (refusal?.kind === 'insufficient_scope' && options.stepUp && !steppedUp) {
          steppedUp = true;
          const wanted = unionOf(
            tokens.scopes,
            refusal.granted,
            refusal.required,
            refusal.challengeScope ?? [],
          );
          notice(`stepping up: asking for ${wanted.join(' ')}`);
          const fresh = await tokens.token({ force: true, scopes: wanted });
          if (transport instanceof WebSocketClientTransport) await transport.reauthenticate(fresh);
          continue;
        }
        if (refusal?.kind === 'insufficient_scope') throw new ScopeDeniedError(refusal);
        if (refusal?.kind === 'unauthorized') throw new UnauthorizedError(refusal);
        throw error;
      }
    }
  }

  return {
    get era() {
      return client.getProtocolEra() ?? 'legacy';
    },
    get protocolVersion() {
      return client.getNegotiatedProtocolVersion() ?? '';
    },
    listTools: () =>
      authorized(async () => {
        const result = await client.request({ method: 'tools/list', params: {} }, LenientToolList);
        return result.tools ?? [];
      }),
    callTool: (name, args) =>
      authorized(async () => (await client.callTool({ name, arguments: args })) as ToolCallResult),
    close: () => client.close(),
  };
}
