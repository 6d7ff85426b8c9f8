import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  Client,
  type FetchLike,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { InsufficientScopeError, insufficientScopeOf } from '@portcullis/core/client';
import { WebSocketClientTransport } from '@portcullis/websocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleFileServerCli,
  type FileServerProcess,
  killFileServers,
  startFileServerProcess,
} from './file-server-process.js';
import { type StaticIssuer, startStaticIssuer } from './static-issuer.js';

/**
 * The soak: `SOAK_SECONDS` (default 5, a short run for CI; `npx -y pnpm@10.34.9 --filter
 * @portcullis/security-tests run soak` with `SOAK_SECONDS=600` for ten minutes) of 64 concurrent
 * callers over Streamable HTTP (2026-07-28 and 2025 requests), WebSocket (both eras) and stdio
 * (both eras), each with a token of some scopes making calls inside and outside them. A warm-up
 * (a tenth of the soak, at least 2 s) comes first; the server's heap is measured after a forced
 * GC once warmed up and again after the soak.
 */
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS) || 5;
const WARM_UP_SECONDS = Math.max(2, SOAK_SECONDS / 10);
const CONCURRENCY = 64;
const MODERN = '2026-07-28';
/** The heap after the soak may exceed the heap after warm-up by this share, no more. */
const HEAP_GROWTH = 0.1;

type Era = 'modern' | 'legacy';
type Kind = 'allowed' | 'denied' | 'unexpected';
type Role = 'writer' | 'reader' | 'lister';
const SCOPES: Record<Role, string[]> = {
  writer: ['files:read', 'files:write', 'files:list'],
  reader: ['files:read', 'files:list'],
  lister: ['files:list'],
};
const SEED = 'seed.txt';
const SEED_CONTENT = 'seeded for the soak\n';

/**
 * A heap probe loaded into the server with `--import`: on `{ type: 'heap' }` over IPC it runs a
 * full GC (twice, so what the first freed is swept too) and answers with `process.memoryUsage()`.
 */
const HEAP_PROBE = `data:text/javascript,${encodeURIComponent(`
  process.on('message', (message) => {
    if (message?.type !== 'heap') return;
    globalThis.gc(); globalThis.gc();
    process.send({ type: 'heap', ...process.memoryUsage() });
  });
`)}`;

function heapOf(server: FileServerProcess): Promise<NodeJS.MemoryUsage> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string } & NodeJS.MemoryUsage) => {
      if (message?.type !== 'heap') return;
      server.child.off('message', onMessage);
      resolve(message);
    };
    server.child.on('message', onMessage);
    server.child.send({ type: 'heap' });
  });
}

/** One caller's channel: a connected client, its transport's name, era and role. */
interface Channel {
  client: Client;
  transport: string;
  era: Era;
  role: Role;
}

/** The calls a role makes in turn, each with the outcome intended. */
function planFor(role: Role, worker: number) {
  const own = `soak/w${worker}.txt`;
  const calls: Array<{ name: string; args: Record<string, unknown>; intended: Kind }> = [];
  if (role === 'writer')
    calls.push(
      {
        name: 'write_file',
        args: { path: own, content: `w${worker}`, createFolders: true },
        intended: 'allowed',
      },
      { name: 'read_file', args: { path: own }, intended: 'allowed' },
      { name: 'list_files', args: {}, intended: 'allowed' },
    );
  if (role === 'reader')
    calls.push(
      { name: 'read_file', args: { path: SEED }, intended: 'allowed' },
      { name: 'list_files', args: {}, intended: 'allowed' },
      { name: 'write_file', args: { path: own, content: 'no' }, intended: 'denied' },
    );
  if (role === 'lister')
    calls.push(
      { name: 'list_files', args: {}, intended: 'allowed' },
      { name: 'read_file', args: { path: SEED }, intended: 'denied' },
    );
  return calls;
}

const textOf = (result: unknown) =>
  (result as { content?: Array<{ text?: string }> }).content?.[0]?.text;

describe('soak: 64 concurrent callers over every transport and era, allowed and denied calls', () => {
  let bundle: string;
  let issuer: StaticIssuer;
  let root: string;
  let server: FileServerProcess;
  const channels: Channel[] = [];
  /** What the modern and legacy HTTP clients put on the wire for tools/call. */
  const wire = {
    modernCalls: 0,
    modernWithHeaders: 0,
    modernWithMeta: 0,
    legacyCalls: 0,
    legacyWithHeaders: 0,
  };

  const countingFetch =
    (era: Era): FetchLike =>
    async (url, init) => {
      const headers = new Headers(init?.headers);
      const body = typeof init?.body === 'string' ? init.body : '';
      if (body.includes('"method":"tools/call"')) {
        const withHeaders =
          headers.get('mcp-method') === 'tools/call' && headers.get('mcp-name') !== null;
        if (era === 'modern') {
          wire.modernCalls += 1;
          if (withHeaders) wire.modernWithHeaders += 1;
          if ((JSON.parse(body) as { params?: { _meta?: unknown } }).params?._meta)
            wire.modernWithMeta += 1;
        } else {
          wire.legacyCalls += 1;
          if (headers.has('mcp-method')) wire.legacyWithHeaders += 1;
        }
      }
      return fetch(url, init);
    };

  const newClient = (era: Era) =>
    new Client(
      { name: `soak-${era}`, version: '1.0.0' },
      era === 'modern' ? { versionNegotiation: { mode: { pin: MODERN } } } : {},
    );

  async function connect(
    transport: string,
    era: Era,
    role: Role,
    make: (token: string) => Transport,
  ) {
    const token = await issuer.mint({
      audience: server.url,
      scopes: SCOPES[role],
      subject: `soak-${role}`,
    });
    const client = newClient(era);
    await client.connect(make(token));
    return { client, transport, era, role };
  }

  beforeAll(async () => {
    [bundle, issuer] = await Promise.all([bundleFileServerCli(), startStaticIssuer()]);
    root = await mkdtemp(join(tmpdir(), 'security-soak-'));
    await writeFile(join(root, SEED), SEED_CONTENT);
    server = await startFileServerProcess(
      [
        '--port',
        '0',
        '--root',
        root,
        '--issuer',
        issuer.issuer,
        '--jwks-uri',
        issuer.jwksUri,
        '--rate-limit',
        'off',
      ],
      { bundle, nodeOptions: ['--expose-gc', '--import', HEAP_PROBE], ipc: true },
    );
    const roles: Role[] = ['writer', 'reader', 'lister'];
    const http = (era: Era) => (token: string) =>
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
        fetch: countingFetch(era),
      });
    const websocket = (token: string) =>
      new WebSocketClientTransport(server.websocketUrl, { token });
    const stdio = (token: string) =>
      new StdioClientTransport({
        command: process.execPath,
        args: [
          bundle,
          '--stdio',
          '--issuer',
          issuer.issuer,
          '--jwks-uri',
          issuer.jwksUri,
          '--resource',
          server.url,
          '--root',
          root,
          '--rate-limit',
          'off',
        ],
        env: { PATH: process.env.PATH ?? '', MCP_ACCESS_TOKEN: token, LOG_LEVEL: 'warn' },
        stderr: 'pipe',
      });
    // 20 + 20 HTTP (2026-07-28, 2025), 16 WebSocket (half each era), 4 stdio processes (two per
    // era) each shared by two callers: 64 callers, each with its own channel but stdio's.
    const plan: Array<[string, Era, (token: string) => Transport, number]> = [
      ['http', 'modern', http('modern'), 20],
      ['http', 'legacy', http('legacy'), 20],
      ['websocket', 'modern', websocket, 8],
      ['websocket', 'legacy', websocket, 8],
      ['stdio', 'modern', stdio, 2],
      ['stdio', 'legacy', stdio, 2],
    ];
    let index = 0;
    const pending: Array<Promise<Channel>> = [];
    for (const [transport, era, make, count] of plan)
      for (let n = 0; n < count; n += 1)
        pending.push(connect(transport, era, roles[index++ % roles.length]!, make));
    channels.push(...(await Promise.all(pending)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(channels.map((channel) => channel.client.close().catch(() => undefined)));
    server?.child.kill('SIGTERM');
    await server?.exited;
    await killFileServers();
    await issuer?.close();
    if (root) await rm(root, { recursive: true, force: true });
    if (bundle) await rm(dirname(bundle), { recursive: true, force: true });
  });

  it(
    `${SOAK_SECONDS} s at concurrency ${CONCURRENCY}: zero unexpected outcomes, heap after within ${HEAP_GROWTH * 100}% of after warm-up`,
    async () => {
      // Callers: one per HTTP and WebSocket channel, two per stdio channel.
      const callers = channels.flatMap((channel) =>
        channel.transport === 'stdio' ? [channel, channel] : [channel],
      );
      expect(callers).toHaveLength(CONCURRENCY);
      const counts: Record<string, Record<Kind, number>> = {};
      const surprises: string[] = [];

      async function run(caller: Channel, worker: number, until: number) {
        const calls = planFor(caller.role, worker);
        const key = `${caller.transport}/${caller.era}`;
        counts[key] ??= { allowed: 0, denied: 0, unexpected: 0 };
        for (let turn = 0; Date.now() < until; turn += 1) {
          const call = calls[turn % calls.length]!;
          let kind: Kind;
          let detail = '';
          try {
            const result = await caller.client.callTool({ name: call.name, arguments: call.args });
            if ((result as { isError?: boolean }).isError) {
              kind = 'unexpected';
              detail = `tool error: ${textOf(result)}`;
            } else {
              const text = textOf(result);
              const right =
                call.name !== 'read_file' ||
                text === (call.args.path === SEED ? SEED_CONTENT : `w${worker}`);
              kind = right ? 'allowed' : 'unexpected';
              if (!right) detail = `read ${text}`;
            }
          } catch (error) {
            const refusal = insufficientScopeOf(error);
            const right =
              refusal instanceof InsufficientScopeError &&
              refusal.target === call.name &&
              refusal.requiredScopes.length > 0;
            kind = right ? 'denied' : 'unexpected';
            if (!right) detail = `${(error as Error).name}: ${(error as Error).message}`;
          }
          if (kind !== call.intended) {
            counts[key]!.unexpected += 1;
            if (surprises.length < 20)
              surprises.push(`${key} ${caller.role} ${call.name}: ${kind} ${detail}`.slice(0, 300));
          } else counts[key]![kind] += 1;
        }
      }
      const phase = (seconds: number) => {
        const until = Date.now() + seconds * 1000;
        return Promise.all(callers.map((caller, worker) => run(caller, worker, until)));
      };

      await phase(WARM_UP_SECONDS);
      const warm = await heapOf(server);
      for (const key of Object.keys(counts)) counts[key] = { allowed: 0, denied: 0, unexpected: 0 };
      const started = performance.now();
      await phase(SOAK_SECONDS);
      const seconds = (performance.now() - started) / 1000;
      const after = await heapOf(server);

      const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
      const total = Object.values(counts).reduce(
        (sum, count) => sum + count.allowed + count.denied + count.unexpected,
        0,
      );
      console.log(
        [
          `soak: ${total} calls in ${seconds.toFixed(1)} s at concurrency ${CONCURRENCY} (${Math.round(total / seconds)}/s)`,
          ...Object.entries(counts).map(
            ([key, count]) =>
              `  ${key.padEnd(18)} allowed ${count.allowed}, denied ${count.denied}, unexpected ${count.unexpected}`,
          ),
          `  wire: ${wire.modernCalls} 2026-07-28 HTTP tools/call (${wire.modernWithHeaders} with Mcp-Method/Mcp-Name, ${wire.modernWithMeta} with _meta), ${wire.legacyCalls} 2025 (${wire.legacyWithHeaders} with Mcp-Method)`,
          `  server heap after GC: ${mib(warm.heapUsed)} after warm-up, ${mib(after.heapUsed)} after the soak (${(((after.heapUsed - warm.heapUsed) / warm.heapUsed) * 100).toFixed(1)}%); RSS ${mib(warm.rss)} → ${mib(after.rss)}`,
        ].join('\n'),
      );

      expect(surprises).toEqual([]);
      for (const key of [
        'http/modern',
        'http/legacy',
        'websocket/modern',
        'websocket/legacy',
        'stdio/modern',
        'stdio/legacy',
      ]) {
        expect(counts[key]?.allowed, key).toBeGreaterThan(0);
        expect(counts[key]?.denied, key).toBeGreaterThan(0);
        expect(counts[key]?.unexpected, key).toBe(0);
      }
      expect(wire.modernCalls).toBeGreaterThan(0);
      expect(wire.modernWithHeaders).toBe(wire.modernCalls);
      expect(wire.modernWithMeta).toBe(wire.modernCalls);
      expect(wire.legacyCalls).toBeGreaterThan(0);
      expect(wire.legacyWithHeaders).toBe(0);
      expect(after.heapUsed).toBeLessThanOrEqual(warm.heapUsed * (1 + HEAP_GROWTH));
    },
    (WARM_UP_SECONDS + SOAK_SECONDS) * 1000 + 120_000,
  );
});
