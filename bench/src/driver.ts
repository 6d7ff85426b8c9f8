/**
 * The load generator, a process of its own driven over IPC by the harness: autocannon for
 * Streamable HTTP, a lock-step driver for WebSocket and stdio (each of `connections` clients
 * sends a call, waits for its answer, sends the next). A call counts only when its answer is
 * the expected JSON-RPC result. It is also the parent of the stdio contender (it owns the
 * pipes) and relays that process's stats, and it holds the idle sessions and connections of
 * the memory measurements. Every load is bounded either by a number of calls (`calls`: a slow
 * machine takes longer, never fails) or by time (`seconds`), and every loop also by count.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { WebSocket } from 'ws';
import { type DpopKeyPair, dpopProofSigner } from './dpop-signer.js';
import type { ContenderConfig } from './kinds.js';
import { loaderFlags } from './processes.js';
import {
  EXPECTED_TEXT,
  initializedNotification,
  initializeRequest,
  isExpectedAnswer,
  LEGACY,
  legacyCall,
  type ProcessStats,
  percentile,
} from './shared.js';

export interface LoadResult {
  /** Calls answered with the expected result. */
  calls: number;
  /** Anything else: JSON-RPC errors, other results, HTTP errors, connection errors. */
  errors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

/** At most this many latencies are kept per run (the run stops counting beyond it). */
const MAX_SAMPLES = 4_000_000;
const samples = new Float64Array(MAX_SAMPLES);

function summary(calls: number, errors: number, seconds: number): LoadResult {
  const kept = Math.min(calls, MAX_SAMPLES);
  return {
    calls,
    errors,
    seconds,
    p50Ms: percentile(samples, kept, 0.5),
    p99Ms: percentile(samples, kept, 0.99),
  };
}

/** How long a load runs: a number of calls (answered or not), else a number of seconds. */
interface Budget {
  connections: number;
  seconds: number;
  calls?: number;
}

/**
 * Per request, what autocannon sends as `authorization` (and `dpop`): the one token of
 * `headers`, or each of `tokens` in turn (many callers), with a fresh DPoP proof when `dpop`.
 */
function perRequestCredentials(
  url: string,
  tokens: string[] | undefined,
  dpop: DpopKeyPair | undefined,
) {
  if (!tokens?.length) return undefined;
  const scheme = dpop ? 'DPoP' : 'Bearer';
  const credentials = tokens.map((token) => ({
    authorization: `${scheme} ${token}`,
    prove: dpop ? dpopProofSigner(dpop, url, token) : undefined,
  }));
  let next = 0;
  return (request: autocannon.Request): autocannon.Request => {
    const { authorization, prove } = credentials[next++ % credentials.length]!;
    const headers: Record<string, string | string[] | undefined> = {
      ...request.headers,
      authorization,
    };
    if (prove) headers.dpop = prove();
    return { ...request, headers };
  };
}

function runHttp(
  options: Budget & {
    url: string;
    headers: Record<string, string>;
    body: object;
    tokens?: string[];
    dpop?: DpopKeyPair;
  },
): Promise<LoadResult> {
  let calls = 0;
  let errors = 0;
  let lastOk = false;
  const started = performance.now();
  const setupRequest = perRequestCredentials(options.url, options.tokens, options.dpop);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.calls ? { amount: options.calls } : { duration: options.seconds }),
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...options.headers,
        },
        body: JSON.stringify(options.body),
        requests: [
          {
            ...(setupRequest && { setupRequest }),
            onResponse(status: number, body: string) {
              lastOk = status === 200 && isExpectedAnswer(body, 1);
              if (!lastOk) errors += 1;
            },
          },
        ],
      },
      (error, result) => {
        if (error) reject(error);
        else resolve(summary(calls, errors + result.errors, (performance.now() - started) / 1000));
      },
    );
    // Emitted right after `onResponse`, with the response time in fractional milliseconds.
    instance.on('response', (_client, _status, _bytes, responseTime: number) => {
      if (!lastOk) return;
      if (calls < MAX_SAMPLES) samples[calls] = responseTime;
      calls += 1;
    });
  });
}

/** A message channel: WebSocket connection or the stdio pipes. */
interface Channel {
  send(text: string): void;
  onMessage(listener: (text: string) => void): void;
}

/**
 * Lock-step load: `connections` clients share `channels` round-robin; each sends a call and
 * waits for its answer before the next, until `calls` were sent or `seconds` have passed.
 */
async function lockStep(channels: Channel[], budget: Budget): Promise<LoadResult> {
  const workers = budget.connections;
  const limit = Math.min(budget.calls ?? MAX_SAMPLES, MAX_SAMPLES);
  let nextId = 1_000;
  let calls = 0;
  let errors = 0;
  const waiting = new Map<number, (ok: boolean) => void>();
  for (const channel of channels)
    channel.onMessage((text) => {
      let message: {
        id?: unknown;
        result?: { isError?: boolean; content?: Array<{ text?: unknown }> };
      };
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      const wake = typeof message.id === 'number' ? waiting.get(message.id) : undefined;
      if (!wake) return;
      waiting.delete(message.id as number);
      wake(
        message.result?.isError !== true && message.result?.content?.[0]?.text === EXPECTED_TEXT,
      );
    });
  const started = performance.now();
  const deadline = budget.calls ? Number.POSITIVE_INFINITY : started + budget.seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const channel = channels[worker % channels.length]!;
      while (performance.now() < deadline && nextId - 1_000 < limit) {
        const id = nextId++;
        const sent = performance.now();
        const ok = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            waiting.delete(id);
            resolve(false);
          }, 10_000);
          waiting.set(id, (answer) => {
            clearTimeout(timer);
            resolve(answer);
          });
          channel.send(JSON.stringify(legacyCall(id)));
        });
        if (ok) samples[calls++] = performance.now() - sent;
        else errors += 1;
      }
    }),
  );
  return summary(calls, errors, (performance.now() - started) / 1000);
}

/** Opens an authenticated WebSocket, initialized (a 2025 session), as a client would. */
async function openWebSocket(url: string, token: string): Promise<WebSocket & Channel> {
  const socket = new WebSocket(url, ['mcp'], { headers: { authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
  const initialized = new Promise<void>((resolve) =>
    socket.once('message', () => {
      socket.send(JSON.stringify(initializedNotification));
      resolve();
    }),
  );
  socket.send(JSON.stringify(initializeRequest(0)));
  await initialized;
  return Object.assign(socket, {
    onMessage(listener: (text: string) => void) {
      socket.removeAllListeners('message');
      socket.on('message', (data) => listener(data.toString()));
    },
  });
}

/** Runs `tasks` with at most `limit` at a time. */
async function inBatches<T>(count: number, limit: number, task: (i: number) => Promise<T>) {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

async function openHttpSession(url: string, token: string): Promise<boolean> {
  const headers = {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(initializeRequest(0)),
  });
  await response.text();
  const session = response.headers.get('mcp-session-id');
  if (!response.ok || !session) return false;
  const notified = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': LEGACY },
    body: JSON.stringify(initializedNotification),
  });
  await notified.text();
  return notified.ok;
}

// --- the stdio contender, a child of this process ---
let stdio: ChildProcess | undefined;
let stdioChannel: Channel | undefined;
let stdioStats: ((stats: ProcessStats) => void) | undefined;

async function startStdio(config: ContenderConfig, token: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      ...loaderFlags(process.env.BENCH_FROM_SOURCE === '1'),
      fileURLToPath(new URL('./contender.ts', import.meta.url)),
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        BENCH_CONTENDER: JSON.stringify(config),
        MCP_ACCESS_TOKEN: token,
      },
      stdio: ['pipe', 'pipe', 'inherit', 'ipc'],
    },
  );
  stdio = child;
  const listeners: Array<(text: string) => void> = [];
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      for (const listener of listeners) listener(line);
      newline = pending.indexOf('\n');
    }
  });
  child.on('message', (message: { type?: string; stats?: ProcessStats }) => {
    if (message.type === 'stats' && message.stats) stdioStats?.(message.stats);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the stdio contender exited (${code})`)));
  });
  stdioChannel = {
    send: (text) => child.stdin!.write(`${text}\n`),
    onMessage(listener) {
      listeners.length = 0;
      listeners.push(listener);
    },
  };
  const initialized = new Promise<void>((resolve) => stdioChannel!.onMessage(() => resolve()));
  stdioChannel.send(JSON.stringify(initializeRequest(0)));
  await initialized;
  stdioChannel.send(JSON.stringify(initializedNotification));
}

// --- IPC ---
const held: WebSocket[] = [];

type Command =
  | ({
      type: 'http';
      url: string;
      headers: Record<string, string>;
      body: object;
      tokens?: string[];
      dpop?: DpopKeyPair;
    } & Budget)
  | ({ type: 'ws'; url: string; token: string } & Budget)
  | { type: 'stdio-start'; config: ContenderConfig; token: string }
  | ({ type: 'stdio' } & Budget)
  | { type: 'stdio-stats'; gc?: boolean }
  | { type: 'open-sessions'; url: string; token: string; count: number }
  | { type: 'open-ws'; url: string; token: string; count: number }
  | { type: 'close-ws' }
  | {
      type: 'flood';
      url: string;
      transport: 'http' | 'ws';
      tokens: string[];
      /** For this long (default: until `attempts`). */
      seconds?: number;
      /** At most this many attempts (default 200,000). */
      attempts?: number;
    };

async function handle(command: Command): Promise<unknown> {
  switch (command.type) {
    case 'http':
      return runHttp(command);
    case 'ws': {
      const sockets = await inBatches(command.connections, 64, () =>
        openWebSocket(command.url, command.token),
      );
      const result = await lockStep(sockets, command);
      for (const socket of sockets) socket.terminate();
      return result;
    }
    case 'stdio-start':
      return startStdio(command.config, command.token);
    case 'stdio':
      return lockStep([stdioChannel!], command);
    case 'stdio-stats':
      return new Promise((resolve) => {
        stdioStats = resolve;
        stdio!.send({ type: 'stats', gc: command.gc });
      });
    case 'open-sessions': {
      const opened = await inBatches(command.count, 16, () =>
        openHttpSession(command.url, command.token).catch(() => false),
      );
      return opened.filter(Boolean).length;
    }
    case 'open-ws': {
      const sockets = await inBatches(command.count, 64, () =>
        openWebSocket(command.url, command.token).catch(() => undefined),
      );
      for (const socket of sockets) if (socket) held.push(socket);
      return held.length;
    }
    case 'close-ws':
      for (const socket of held.splice(0)) socket.terminate();
      return 0;
    case 'flood': {
      // Tokens naming keys the JWKS does not publish, cycled, 8 at a time, for `seconds` (and
      // at most `attempts`, by default 200,000).
      const deadline = command.seconds
        ? performance.now() + command.seconds * 1000
        : Number.POSITIVE_INFINITY;
      const attempts = command.attempts ?? 200_000;
      let sent = 0;
      let refused = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (performance.now() < deadline && sent < attempts) {
            const token = command.tokens[sent++ % command.tokens.length]!;
            if (command.transport === 'ws') {
              const ok = await openWebSocket(command.url, token).then(
                (socket) => {
                  socket.terminate();
                  return true;
                },
                () => false,
              );
              if (!ok) refused += 1;
            } else {
              const response = await fetch(command.url, {
                method: 'POST',
                headers: {
                  authorization: `Bearer ${token}`,
                  'content-type': 'application/json',
                  accept: 'application/json, text/event-stream',
                },
                body: JSON.stringify(legacyCall(1)),
              });
              const text = await response.text();
              if (response.status === 401 && !isExpectedAnswer(text)) refused += 1;
            }
          }
        }),
      );
      return { sent, refused };
    }
  }
}

process.on('message', (message: { seq: number; command: Command }) => {
  handle(message.command).then(
    (result) => process.send?.({ seq: message.seq, result }),
    (error: Error) => process.send?.({ seq: message.seq, error: error.message }),
  );
});
process.on('disconnect', () => {
  stdio?.kill();
  process.exit(0);
});
process.send?.({ type: 'ready' });
