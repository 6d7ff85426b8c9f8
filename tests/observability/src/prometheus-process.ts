import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port of 127.0.0.1, for a program that cannot report the port it bound. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running Prometheus (Debian's `prometheus`) with its own configuration and storage. */
export interface PrometheusProcess {
  /** Its HTTP API, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** The series of an instant query, once `matches` accepts them (re-asked after each scrape). */
  query(
    expression: string,
    matches: (series: PrometheusSeries[]) => boolean,
  ): Promise<PrometheusSeries[]>;
  stop(): Promise<void>;
}

/** One series of a query result: its labels and its value. */
export interface PrometheusSeries {
  metric: Record<string, string>;
  value: number;
}

/**
 * Starts Prometheus scraping `target` (`host:port`, path `/metrics`) every second, with a
 * temporary configuration and storage removed by `stop`.
 */
export async function startPrometheus(target: string): Promise<PrometheusProcess> {
  const folder = await mkdtemp(join(tmpdir(), 'observability-prometheus-'));
  const config = join(folder, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: file-server',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(folder, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString('utf8');
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const ask = async (path: string) => {
    if (child.exitCode !== null) throw new Error(`prometheus exited: ${log.slice(-500)}`);
    return fetch(`${url}${path}`).catch(() => undefined);
  };
  // Ready when its readiness endpoint says so (it logs "Server is ready to receive web requests.").
  while ((await ask('/-/ready'))?.status !== 200)
    await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    url,
    async query(expression, matches) {
      for (;;) {
        const response = await ask(`/api/v1/query?query=${encodeURIComponent(expression)}`);
        const body = (await response?.json()) as
          | { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } }
          | undefined;
        const series = (body?.data?.result ?? []).map((entry) => ({
          metric: entry.metric,
          value: Number(entry.value[1]),
        }));
        if (matches(series)) return series;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(folder, { recursive: true, force: true });
    },
  };
}
