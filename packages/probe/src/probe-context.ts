import type { DpopKey } from './dpop-proof.js';
import {
  type Era,
  type JsonRpcAnswer,
  LEGACY_REVISION,
  type LegacySession,
  type ListedTool,
  listedTools,
  type McpCall,
  MODERN_REVISION,
  mcpRequest,
  readAnswer,
} from './mcp-messages.js';
import type { Exchange, ProbeHttp } from './probe-http.js';
import type { Redactor } from './redact.js';
import {
  discoverAuthorizationServer,
  type FetchedDocument,
  fetchResourceMetadata,
  type ResourceMetadataLookup,
} from './resource-metadata.js';

/** The tokens a run has, given or obtained. */
export interface ProbeTokens {
  /** The token most checks use (the narrower one when two are given). */
  token?: string;
  /** A token with more scopes than `token`, to compare listings and find a refused call. */
  broadToken?: string;
  /** A token issued for another resource. */
  foreignToken?: string;
  /** A token past its expiry. */
  expiredToken?: string;
  /** An OpenID Connect ID token (not an access token). */
  idToken?: string;
  /** A DPoP-bound token and the key it is bound to. */
  dpop?: { token: string; key: DpopKey };
}

/** Which protocol eras the server answered. */
export interface EraReport {
  /** Whether 2026-07-28 `server/discover` was answered; `undefined` without a token to ask with. */
  modern?: boolean;
  /** The revision `initialize` negotiated, when the server speaks the 2025 era. */
  legacy?: string;
  /** The era the checks speak: 2026-07-28 when served, else 2025. */
  primary: Era;
}

/** An MCP exchange with its JSON-RPC answer read. */
export interface McpExchange extends Exchange {
  answer?: JsonRpcAnswer;
}

/** Options of {@link createProbeContext}. */
export interface ProbeContextOptions {
  endpoint: URL;
  websocket?: URL;
  tokens: ProbeTokens;
  allowWrites: boolean;
  /** Bytes declared by the oversized-body check. */
  oversizedBytes: number;
  http: ProbeHttp;
  redactor: Redactor;
}

/** What every check can use: the target, the tokens, and the answers already fetched. */
export interface ProbeContext extends ProbeContextOptions {
  /** Sends an MCP request in the primary era (or `call.era`). */
  mcp(call: Omit<McpCall, 'era' | 'legacy'> & { era?: Era }): Promise<McpExchange>;
  eras(): Promise<EraReport>;
  metadata(): Promise<ResourceMetadataLookup>;
  /** An authorization server's metadata, discovered once. */
  authorizationServer(issuer: string): Promise<{ found?: FetchedDocument; exchanges: Exchange[] }>;
  /** The tools `tools/list` shows to `token` (`undefined` when it did not answer a list). */
  tools(token: string): Promise<{ tools?: ListedTool[]; exchange: McpExchange }>;
  /**
   * The first of `token` and `broadToken` the server answers a tool list to, so checks of
   * something else (Origin, Host, body size) are not confused by a refused token.
   */
  workingToken(): Promise<string | undefined>;
}

/** Memoises an async function of no arguments. */
const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

/** Creates the context of one run; answers used by several checks are fetched once. */
export function createProbeContext(options: ProbeContextOptions): ProbeContext {
  const { endpoint, http } = options;
  let legacySession: LegacySession | undefined;

  const send = async (call: McpCall): Promise<McpExchange> => {
    const exchange = await http.send(mcpRequest(endpoint, call));
    return { ...exchange, answer: readAnswer(exchange.body) };
  };

  const eras = once(async (): Promise<EraReport> => {
    const token = options.tokens.token ?? options.tokens.broadToken;
    if (!token) return { primary: 'modern' };
    const authorization = `Bearer ${token}`;
    const discover = await send({ method: 'server/discover', authorization, era: 'modern' });
    const versions = discover.answer?.result?.supportedVersions;
    const modern = Array.isArray(versions) && versions.includes(MODERN_REVISION);
    const initialize = await send({
      method: 'initialize',
      authorization,
      era: 'legacy',
      params: {
        protocolVersion: LEGACY_REVISION,
        capabilities: {},
        clientInfo: { name: 'portcullis-probe', version: '1' },
      },
    });
    const negotiated = initialize.answer?.result?.protocolVersion;
    const legacy = typeof negotiated === 'string' ? negotiated : undefined;
    if (legacy) {
      legacySession = {
        protocolVersion: legacy,
        sessionId: initialize.headers['mcp-session-id'],
      };
      if (!modern)
        await http.send(
          mcpRequest(endpoint, {
            method: 'notifications/initialized',
            authorization,
            era: 'legacy',
            legacy: legacySession,
          }),
        );
    }
    return { modern, ...(legacy && { legacy }), primary: modern || !legacy ? 'modern' : 'legacy' };
  });

  const mcp: ProbeContext['mcp'] = async (call) => {
    const era = call.era ?? (await eras()).primary;
    return send({
      ...call,
      era,
      ...(era === 'legacy' && legacySession && { legacy: legacySession }),
    });
  };

  const listings = new Map<string, Promise<{ tools?: ListedTool[]; exchange: McpExchange }>>();
  const tools = (token: string) => {
    let listing = listings.get(token);
    if (!listing) {
      listing = mcp({ method: 'tools/list', authorization: `Bearer ${token}` }).then(
        (exchange) => ({ tools: listedTools(exchange.answer), exchange }),
      );
      listings.set(token, listing);
    }
    return listing;
  };

  const workingToken = once(async () => {
    for (const token of [options.tokens.token, options.tokens.broadToken])
      if (token && (await tools(token)).tools) return token;
    return undefined;
  });

  const servers = new Map<string, ReturnType<ProbeContext['authorizationServer']>>();

  return {
    endpoint,
    websocket: options.websocket,
    tokens: options.tokens,
    allowWrites: options.allowWrites,
    oversizedBytes: options.oversizedBytes,
    http,
    redactor: options.redactor,
    mcp,
    eras,
    metadata: once(() => fetchResourceMetadata(http, endpoint)),
    authorizationServer: (issuer) => {
      let discovery = servers.get(issuer);
      if (!discovery) {
        discovery = discoverAuthorizationServer(http, issuer);
        servers.set(issuer, discovery);
      }
      return discovery;
    },
    tools,
    workingToken,
  };
}
