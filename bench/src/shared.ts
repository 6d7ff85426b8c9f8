import { createRemoteJWKSet, jwtVerify } from 'jose';

/** The one tool every contender serves, the scope it needs and the token's subject. */
export const TOOL = 'read_file';
export const SCOPE = 'files:read';
export const SUBJECT = 'bench-user';
export const PATH_ARGUMENT = 'a.txt';
/** What the tool answers: the caller's subject proves the token reached the tool. */
export const toolText = (subject: string | undefined, path: string) => `${subject}:read:${path}`;
export const EXPECTED_TEXT = toolText(SUBJECT, PATH_ARGUMENT);
export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';

export const legacyCall = (id: number | string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: TOOL, arguments: { path: PATH_ARGUMENT } },
});

export const modernCall = (id: number | string) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: {
    name: TOOL,
    arguments: { path: PATH_ARGUMENT },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});

export const modernHeaders = {
  'mcp-protocol-version': MODERN,
  'mcp-method': 'tools/call',
  'mcp-name': TOOL,
};

export const initializeRequest = (id: number | string) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: {
    protocolVersion: LEGACY,
    capabilities: {},
    clientInfo: { name: 'bench', version: '1' },
  },
});
export const initializedNotification = { jsonrpc: '2.0', method: 'notifications/initialized' };

/**
 * Whether `text` (a JSON body, or an SSE stream of `data:` lines) holds the JSON-RPC result
 * expected of the tool: the call counts only then. A JSON-RPC error, an `isError` result or
 * another text does not.
 */
export function isExpectedAnswer(text: string, id?: number | string): boolean {
  let json = text;
  if (!text.startsWith('{')) {
    const data = text.split('\n').find((line) => line.startsWith('data: {'));
    if (!data) return false;
    json = data.slice(6);
  }
  try {
    const message = JSON.parse(json) as {
      id?: unknown;
      error?: unknown;
      result?: { isError?: boolean; content?: Array<{ text?: unknown }> };
    };
    return (
      message.error === undefined &&
      (id === undefined || message.id === id) &&
      message.result?.isError !== true &&
      message.result?.content?.[0]?.text === EXPECTED_TEXT
    );
  } catch {
    return false;
  }
}

/** The auth info the SDK stacks and the floors pass around (the SDK's `AuthInfo` shape). */
export interface BenchAuth {
  token: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
  subject: string | undefined;
}

/**
 * A jose verifier as a user of the SDK writes one: `jwtVerify` against `createRemoteJWKSet`
 * (jose's own cooldown), issuer and audience checked; with `cache`, a verified token is kept
 * (bounded Map) until it expires, the same token work Portcullis does.
 */
export function joseVerifier(options: {
  issuer: string;
  jwksUri: string;
  audience: () => string;
  cache: boolean;
}): { verify(token: string): Promise<BenchAuth> } {
  const keys = createRemoteJWKSet(new URL(options.jwksUri));
  const cache = new Map<string, BenchAuth>();
  return {
    async verify(token) {
      const cached = options.cache ? cache.get(token) : undefined;
      if (cached && cached.expiresAt * 1000 > Date.now()) return cached;
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience(),
        algorithms: ['RS256'],
      });
      const auth: BenchAuth = {
        token,
        clientId: String(payload.client_id ?? ''),
        scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [],
        expiresAt: payload.exp ?? 0,
        subject: payload.sub,
      };
      if (options.cache) {
        if (cache.size >= 10_000) cache.clear();
        cache.set(token, auth);
      }
      return auth;
    },
  };
}

/** What a contender process reports over IPC. */
export interface ProcessStats {
  /** User + system CPU, microseconds. */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
  /** Peak resident set size over the process's life, bytes. */
  maxRss: number;
}

export function processStats(): ProcessStats {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuMicros: cpu.user + cpu.system,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}

/** Answers `{ stats, gc? }` requests from the parent over IPC. */
export function answerStatsRequests(): void {
  process.on('message', (message: { type?: string; gc?: boolean; seq?: number }) => {
    if (message?.type !== 'stats') return;
    if (message.gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    process.send?.({ type: 'stats', seq: message.seq, stats: processStats() });
  });
}

/** The `p`th percentile (0..1) of the first `count` values of `values`, which it sorts. */
export function percentile(values: Float64Array, count: number, p: number): number {
  if (count === 0) return Number.NaN;
  const sorted = values.subarray(0, count).sort();
  return sorted[Math.min(count - 1, Math.floor(p * count))]!;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
