/**
 * The harness: starts the authorization server, every contender and the load generator, each
 * in its own process; warms every contender up; runs interleaved rounds at each concurrency;
 * measures idle memory per session/connection and JWKS fetches under a forged-`kid` flood.
 */
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { createDpopKeyPair, type DpopKeyPair } from './dpop-signer.js';
import type { LoadResult } from './driver.js';
import type { ContenderConfig, ContenderKind } from './kinds.js';
import { openLegacySession } from './legacy-session.js';
import { type Child, startChild } from './processes.js';
import { legacyCall, modernCall, modernHeaders, type ProcessStats } from './shared.js';

export interface Row {
  id: string;
  label: string;
  transport: 'http' | 'ws' | 'stdio';
  kind: ContenderKind;
  request: 'legacy' | 'modern';
  /** One reused 2025 session (stateful). */
  session?: boolean;
  /** Every call with a token bound to a key and a fresh DPoP proof. */
  dpop?: boolean;
  /** Each call with the next of `HarnessOptions.callers` distinct tokens. */
  manyCallers?: boolean;
}

export const ROWS: readonly Row[] = [
  {
    id: 'portcullis-http-stateless',
    label: 'Portcullis HTTP, stateless (2025 request)',
    transport: 'http',
    kind: 'portcullis-http-stateless',
    request: 'legacy',
  },
  {
    id: 'portcullis-http-session',
    label: 'Portcullis HTTP, one stateful session (2025, JSON)',
    transport: 'http',
    kind: 'portcullis-http-session',
    request: 'legacy',
    session: true,
  },
  {
    id: 'portcullis-http-modern',
    label: 'Portcullis HTTP, 2026-07-28 request',
    transport: 'http',
    kind: 'portcullis-http-modern',
    request: 'modern',
  },
  {
    id: 'portcullis-http-dpop',
    label: 'Portcullis HTTP, stateless, DPoP proof on every call',
    transport: 'http',
    kind: 'portcullis-http-dpop',
    request: 'legacy',
    dpop: true,
  },
  {
    id: 'portcullis-http-rate-limited',
    label: 'Portcullis HTTP, stateless, rate limiter on',
    transport: 'http',
    kind: 'portcullis-http-rate-limited',
    request: 'legacy',
  },
  {
    id: 'portcullis-http-audited',
    label: 'Portcullis HTTP, stateless, audit sink on',
    transport: 'http',
    kind: 'portcullis-http-audited',
    request: 'legacy',
  },
  {
    id: 'portcullis-http-many-callers',
    label: 'Portcullis HTTP, stateless, many distinct tokens (cold cache)',
    transport: 'http',
    kind: 'portcullis-http-stateless',
    request: 'legacy',
    manyCallers: true,
  },
  {
    id: 'portcullis-fetch-node',
    label: 'Portcullis fetch adapter on Node (2025 request)',
    transport: 'http',
    kind: 'portcullis-fetch-node',
    request: 'legacy',
  },
  {
    id: 'portcullis-ws',
    label: 'Portcullis WebSocket',
    transport: 'ws',
    kind: 'portcullis-ws',
    request: 'legacy',
  },
  {
    id: 'portcullis-stdio',
    label: 'Portcullis stdio (one pipe)',
    transport: 'stdio',
    kind: 'portcullis-stdio',
    request: 'legacy',
  },
  {
    id: 'sdk-v2-legacy',
    label: 'SDK v2 createMcpHandler, 2025 request',
    transport: 'http',
    kind: 'sdk-v2',
    request: 'legacy',
  },
  {
    id: 'sdk-v2-modern',
    label: 'SDK v2 createMcpHandler, 2026-07-28 request',
    transport: 'http',
    kind: 'sdk-v2',
    request: 'modern',
  },
  {
    id: 'sdk-v1-stateless',
    label: 'SDK v1 Express, stateless',
    transport: 'http',
    kind: 'sdk-v1-stateless',
    request: 'legacy',
  },
  {
    id: 'sdk-v1-session',
    label: 'SDK v1 Express, one stateful session',
    transport: 'http',
    kind: 'sdk-v1-session',
    request: 'legacy',
    session: true,
  },
  {
    id: 'floor-http-cached',
    label: 'floor: node:http + jose, verified tokens cached',
    transport: 'http',
    kind: 'floor-http-cached',
    request: 'legacy',
  },
  {
    id: 'floor-http-verify',
    label: 'floor: node:http + jose, signature every call',
    transport: 'http',
    kind: 'floor-http-verify',
    request: 'legacy',
  },
  {
    id: 'floor-ws',
    label: 'floor: bare ws + jose at the upgrade',
    transport: 'ws',
    kind: 'floor-ws',
    request: 'legacy',
  },
];

export interface HarnessOptions {
  rounds: number;
  /** How long each measurement runs, unless `calls` is set. */
  seconds: number;
  /**
   * A fixed number of calls per measurement (and per warm-up and control) instead of `seconds`:
   * the work is bounded by count, so a slow machine takes longer but measures the same.
   */
  calls?: number;
  warmupSeconds: number;
  /** Distinct tokens of the many-callers contender (more than the verified-token cache holds). */
  callers: number;
  concurrencies: number[];
  idleSessions: number;
  idleWebSockets: number;
  floodSeconds: number;
  /** When set, the flood sends this many tokens instead of running `floodSeconds`. */
  floodAttempts?: number;
  floodTokens: number;
  /** Only these rows (ids); default all. */
  only?: string[];
  /**
   * Write a V8 CPU profile of each contender (`<id>.cpuprofile`, but stdio's) into this folder,
   * taken over its last measurement at the highest concurrency only.
   */
  cpuProfileDir?: string;
  /** With `cpuProfileDir`: also a sampling heap profile of the same span (`<id>.heapprofile`). */
  heapProfile?: boolean;
  /**
   * Load the workspace packages from their TypeScript sources instead of their built `dist`
   * (see `loaderFlags`): no build needed, figures a little worse than users get.
   */
  fromSource?: boolean;
  log?: (line: string) => void;
}

export const FULL: HarnessOptions = {
  rounds: 3,
  seconds: 5,
  warmupSeconds: 2,
  // More than the verified-token cache's 10,000 entries: cycled in order, every call misses it.
  callers: 12_000,
  concurrencies: [1, 32],
  idleSessions: 1_000,
  idleWebSockets: 5_000,
  floodSeconds: 10,
  floodTokens: 3_000,
};

/** What CI runs: every figure of the full run, on a few calls each, bounded by count only. */
export const SMOKE: HarnessOptions = {
  rounds: 1,
  seconds: 0,
  calls: 40,
  warmupSeconds: 0,
  callers: 20,
  concurrencies: [1, 4],
  idleSessions: 20,
  idleWebSockets: 50,
  floodSeconds: 0,
  floodAttempts: 20,
  floodTokens: 20,
  // CI's test step runs before anything is built; a smoke run checks the harness, not figures.
  fromSource: true,
};

export interface Measurement extends LoadResult {
  cpuSeconds: number;
  maxRss: number;
}

export interface ThroughputRow {
  id: string;
  label: string;
  transport: Row['transport'];
  concurrency: number;
  /** Median of the rounds. */
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuSecondsPer1000: number;
  peakRssMb: number;
  calls: number;
  errors: number;
  rounds: number[];
}

export interface MemoryRow {
  id: string;
  label: string;
  what: string;
  count: number;
  opened: number;
  heapBytesEach: number;
  rssBytesEach: number;
}

export interface FloodRow {
  id: string;
  label: string;
  transport: 'http' | 'ws';
  seconds: number;
  sent: number;
  refused: number;
  jwksFetches: number;
  cooldownSeconds: number;
}

/** A run whose token lacks the scope: no call may count (the expected-result check works). */
export interface ControlRow {
  id: string;
  calls: number;
  errors: number;
}

export interface HarnessResult {
  generatedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    totalMemoryGb: number;
    freeMemoryGbBefore: number;
    loadBefore: number[];
    loadAfter: number[];
    openFilesLimit: string;
  };
  settings: HarnessOptions;
  throughput: ThroughputRow[];
  memory: MemoryRow[];
  flood: FloodRow[];
  controls: ControlRow[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface Contender {
  row: Row;
  child?: Child;
  url: string;
  token: string;
  headers: Record<string, string>;
  /** Many callers: each call with the next of these tokens. */
  tokens?: string[];
  /** DPoP: the key the tokens are bound to, which signs a proof for each call. */
  dpop?: DpopKeyPair;
}

export async function runHarness(
  options: HarnessOptions,
  openFilesLimit = 'unknown',
): Promise<HarnessResult> {
  const log = options.log ?? (() => {});
  const loadBefore = loadavg();
  const freeBefore = freemem();
  const nodeOptions = ['--expose-gc'];
  const fromSource = options.fromSource ?? false;
  const children: Child[] = [];
  const start = (script: string, env: Record<string, string> = {}, contender = false) => {
    const child = startChild(script, {
      env: { ...env, BENCH_FROM_SOURCE: fromSource ? '1' : '0' },
      nodeOptions: contender ? nodeOptions : [],
      fromSource,
    });
    children.push(child);
    return child;
  };
  try {
    const as = start('./authorization-process.ts');
    const driver = start('./driver.ts');
    const { issuer, jwksBase } = (await as.ready) as unknown as {
      issuer: string;
      jwksBase: string;
    };
    await driver.ready;
    const mint = async (
      audience: string,
      count = 1,
      forgedKid = false,
      scopes?: string[],
      claims?: Record<string, unknown>,
    ) =>
      (
        await as.request<{ tokens: string[] }>({
          type: 'mint',
          audience,
          count,
          forgedKid,
          scopes,
          claims,
        })
      ).tokens;
    const drive = async <T>(command: Record<string, unknown>) =>
      (await driver.request<{ result: T }>({ command })).result;
    const configFor = (kind: ContenderKind, id: string): ContenderConfig => ({
      kind,
      issuer,
      jwksUri: `${jwksBase}/${id}`,
    });

    /** Starts the contender of `row` in its own process (stdio: as the driver's child). */
    const startContender = async (row: Row, suffix = ''): Promise<Contender> => {
      const id = `${row.id}${suffix}`;
      if (row.transport === 'stdio') {
        const resource = 'http://127.0.0.1/stdio-bench';
        const [token] = await mint(resource);
        await drive({
          type: 'stdio-start',
          config: { ...configFor(row.kind, id), resource },
          token,
        });
        return { row, url: '', token: token!, headers: {} };
      }
      const child = start(
        './contender.ts',
        { BENCH_CONTENDER: JSON.stringify(configFor(row.kind, id)) },
        true,
      );
      const { url, resource } = (await child.ready) as unknown as { url: string; resource: string };
      const dpop = row.dpop ? createDpopKeyPair() : undefined;
      const tokens = await mint(
        resource,
        row.manyCallers ? options.callers : 1,
        false,
        undefined,
        dpop && { cnf: { jkt: dpop.thumbprint } },
      );
      const token = tokens[0]!;
      const authorization = `Bearer ${token}`;
      const headers: Record<string, string> = { authorization };
      if (row.request === 'modern') Object.assign(headers, modernHeaders);
      if (row.session) Object.assign(headers, await openLegacySession(url, authorization));
      return {
        row,
        child,
        url,
        token,
        headers,
        ...((row.manyCallers || dpop) && { tokens }),
        ...(dpop && { dpop }),
      };
    };

    const stats = async (contender: Contender, gc = false): Promise<ProcessStats> =>
      contender.child
        ? (await contender.child.request<{ stats: ProcessStats }>({ type: 'stats', gc })).stats
        : await drive<ProcessStats>({ type: 'stdio-stats', gc });

    /** One load on `contender`: `calls` calls when the options fix a count, else `seconds`. */
    const measure = async (
      contender: Contender,
      concurrency: number,
      seconds: number,
    ): Promise<Measurement> => {
      const { row } = contender;
      const budget = { connections: concurrency, seconds, calls: options.calls };
      const before = await stats(contender);
      const result =
        row.transport === 'http'
          ? await drive<LoadResult>({
              type: 'http',
              url: contender.url,
              headers: contender.headers,
              body: row.request === 'modern' ? modernCall(1) : legacyCall(1),
              tokens: contender.tokens,
              dpop: contender.dpop,
              ...budget,
            })
          : row.transport === 'ws'
            ? await drive<LoadResult>({
                type: 'ws',
                url: contender.url,
                token: contender.token,
                ...budget,
              })
            : await drive<LoadResult>({ type: 'stdio', ...budget });
      const after = await stats(contender);
      return {
        ...result,
        cpuSeconds: (after.cpuMicros - before.cpuMicros) / 1e6,
        maxRss: after.maxRss,
      };
    };

    const rows = ROWS.filter((row) => !options.only || options.only.includes(row.id));
    const contenders = await Promise.all(rows.map((row) => startContender(row)));
    log(`started ${contenders.length} contenders, the authorization server and the driver`);

    if (options.warmupSeconds > 0)
      for (const contender of contenders) await measure(contender, 32, options.warmupSeconds);
    log('warmed up');

    const samples = new Map<string, Measurement[]>();
    for (let round = 0; round < options.rounds; round += 1) {
      // Interleaved, and rotated each round, so that drift in the machine's load hits all alike.
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
      for (const concurrency of options.concurrencies)
        for (const contender of order) {
          // The profile: the last round at the highest concurrency, and nothing else.
          const profiled =
            options.cpuProfileDir !== undefined &&
            contender.child !== undefined &&
            round === options.rounds - 1 &&
            concurrency === Math.max(...options.concurrencies);
          const heapFile = options.heapProfile
            ? `${options.cpuProfileDir}/${contender.row.id}.heapprofile`
            : undefined;
          if (profiled)
            await contender.child!.request({ type: 'profile', action: 'start', heapFile });
          const m = await measure(contender, concurrency, options.seconds);
          if (profiled)
            await contender.child!.request({
              type: 'profile',
              action: 'stop',
              file: `${options.cpuProfileDir}/${contender.row.id}.cpuprofile`,
              heapFile,
            });
          const key = `${contender.row.id}@${concurrency}`;
          samples.set(key, [...(samples.get(key) ?? []), m]);
          log(
            `round ${round + 1} c=${concurrency} ${contender.row.id}: ${Math.round(m.calls / m.seconds)}/s, ${m.errors} errors`,
          );
        }
    }

    const throughput: ThroughputRow[] = [];
    for (const concurrency of options.concurrencies)
      for (const { row } of contenders) {
        const list = samples.get(`${row.id}@${concurrency}`) ?? [];
        const calls = list.reduce((sum, m) => sum + m.calls, 0);
        const cpu = list.reduce((sum, m) => sum + m.cpuSeconds, 0);
        throughput.push({
          id: row.id,
          label: row.label,
          transport: row.transport,
          concurrency,
          callsPerSecond: median(list.map((m) => m.calls / m.seconds)),
          p50Ms: median(list.map((m) => m.p50Ms)),
          p99Ms: median(list.map((m) => m.p99Ms)),
          cpuSecondsPer1000: calls ? (cpu / calls) * 1000 : Number.NaN,
          peakRssMb: Math.max(...list.map((m) => m.maxRss)) / 2 ** 20,
          calls,
          errors: list.reduce((sum, m) => sum + m.errors, 0),
          rounds: list.map((m) => Math.round(m.calls / m.seconds)),
        });
      }

    // Negative controls: the same load with a token lacking the scope must count no call, so
    // refusals answered 200 (a JSON-RPC error, an `isError` result) are not taken for calls.
    const controls: ControlRow[] = [];
    for (const id of [
      'portcullis-http-stateless',
      'portcullis-ws',
      'sdk-v2-legacy',
      'floor-http-cached',
      'floor-ws',
    ]) {
      const contender = contenders.find((c) => c.row.id === id);
      if (!contender) continue;
      const audience =
        contender.row.transport === 'ws' ? contender.url.replace(/^ws:/, 'http:') : contender.url;
      const [token] = await mint(audience, 1, false, []);
      const m = await measure(
        {
          ...contender,
          token: token!,
          headers: { ...contender.headers, authorization: `Bearer ${token}` },
        },
        1,
        0.3,
      );
      controls.push({ id, calls: m.calls, errors: m.errors });
      log(`control ${id} without the scope: ${m.calls} counted, ${m.errors} refused`);
    }

    // JWKS fetches under a flood of tokens naming keys the JWKS does not publish.
    const flood: FloodRow[] = [];
    for (const id of [
      'portcullis-http-stateless',
      'portcullis-ws',
      'sdk-v2-legacy',
      'floor-http-verify',
    ]) {
      const contender = contenders.find((c) => c.row.id === id);
      if (!contender || contender.row.transport === 'stdio') continue;
      const audience =
        contender.row.transport === 'ws' ? contender.url.replace(/^ws:/, 'http:') : contender.url;
      const tokens = await mint(audience, options.floodTokens, true);
      const countsBefore = (
        await as.request<{ counts: Record<string, number> }>({ type: 'jwks-count' })
      ).counts;
      const started = performance.now();
      const { sent, refused } = await drive<{ sent: number; refused: number }>({
        type: 'flood',
        url: contender.url,
        transport: contender.row.transport,
        tokens,
        seconds: options.floodSeconds,
        attempts: options.floodAttempts,
      });
      const seconds = (performance.now() - started) / 1000;
      const countsAfter = (
        await as.request<{ counts: Record<string, number> }>({ type: 'jwks-count' })
      ).counts;
      flood.push({
        id,
        label: contender.row.label,
        transport: contender.row.transport,
        seconds,
        sent,
        refused,
        jwksFetches: (countsAfter[id] ?? 0) - (countsBefore[id] ?? 0),
        // Portcullis's default cooldown (createRemoteKeySet), and jose's `cooldownDuration`.
        cooldownSeconds: 30,
      });
      log(
        `flood ${id}: ${sent} forged tokens, ${(countsAfter[id] ?? 0) - (countsBefore[id] ?? 0)} JWKS fetches`,
      );
    }

    for (const contender of contenders) await contender.child?.stop();

    // Idle memory: fresh processes, heap after a full GC before and after opening N idle
    // sessions / connections (each initialized, as a client leaves them).
    const memory: MemoryRow[] = [];
    const idle: Array<{ id: string; what: string; count: number }> = [
      { id: 'portcullis-http-session', what: 'stateful HTTP session', count: options.idleSessions },
      { id: 'sdk-v1-session', what: 'stateful HTTP session', count: options.idleSessions },
      { id: 'portcullis-ws', what: 'WebSocket connection', count: options.idleWebSockets },
      { id: 'floor-ws', what: 'WebSocket connection', count: options.idleWebSockets },
    ];
    const wanted = idle.filter(({ id }) => !options.only || options.only.includes(id));
    const idleContenders = await Promise.all(
      wanted.map(({ id }) =>
        startContender({ ...ROWS.find((r) => r.id === id)!, session: false }, '-idle'),
      ),
    );
    for (const [i, { id, what, count }] of wanted.entries()) {
      const row = ROWS.find((r) => r.id === id)!;
      const contender = idleContenders[i]!;
      // A few calls first, so lazily built machinery is not counted as per-connection cost.
      if (options.warmupSeconds > 0)
        await measure(contender, 4, Math.min(options.warmupSeconds, 1));
      const before = await stats(contender, true);
      const opened =
        row.transport === 'ws'
          ? await drive<number>({
              type: 'open-ws',
              url: contender.url,
              token: contender.token,
              count,
            })
          : await drive<number>({
              type: 'open-sessions',
              url: contender.url,
              token: contender.token,
              count,
            });
      const after = await stats(contender, true);
      if (row.transport === 'ws') await drive({ type: 'close-ws' });
      await contender.child?.stop();
      memory.push({
        id,
        label: row.label,
        what,
        count,
        opened,
        heapBytesEach: opened ? (after.heapUsed - before.heapUsed) / opened : Number.NaN,
        rssBytesEach: opened ? (after.rss - before.rss) / opened : Number.NaN,
      });
      log(
        `idle ${id}: ${opened} ${what}s, ${Math.round((after.heapUsed - before.heapUsed) / Math.max(opened, 1))} B heap each`,
      );
    }

    return {
      generatedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        totalMemoryGb: totalmem() / 2 ** 30,
        freeMemoryGbBefore: freeBefore / 2 ** 30,
        loadBefore,
        loadAfter: loadavg(),
        openFilesLimit,
      },
      settings: { ...options, log: undefined },
      throughput,
      memory,
      flood,
      controls,
    };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}
