import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
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
 * Connects with the official SDK client and keeps the connection authorized: the current token
 * rides on every request, cookies are never kept or sent (Casdoor would treat a returned
 * session cookie as a logged-in user and skip its scope checks), a 401 leads to discovery or
 * one fresh token, and an insufficient_scope refusal to one step-up when allowed. Never loops.
 */
export async function connectToMcpServer(options: McpConnectionOptions): Promise<McpConnection> {
  const { tokens } = options;
  const notice = options.onNotice ?? (() => {});
  const websocket = /^wss?:/i.test(options.server);
  let last: LastResponse | undefined;

  const fetchWithToken = async (
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> => {
    const headers = new Headers(init?.headers);
    headers.delete('cookie');
    if (tokens.current) headers.set('authorization', `Bearer ${tokens.current}`);
    const response = await fetch(input, { ...init, headers, credentials: 'omit' });
    last = { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') };
    return response;
  };

  const open = async (): Promise<{ client: Client; transport: Transport }> => {
    const transport: Transport = websocket
      ? new WebSocketClientTransport(options.server, {
          token: () => (tokens.endpoint ? tokens.token() : undefined),
        })
      : new StreamableHTTPClientTransport(new URL(options.server), { fetch: fetchWithToken });
    const client = new Client({ name: 'portcullis-client-demo', version: '0.0.0' });
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
          if (websocket) ({ client, transport } = await open());
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
