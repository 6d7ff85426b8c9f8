import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_SERVER_CLI, fileServerArgs } from './file-server-cli.js';
import { type PrometheusProcess, startPrometheus } from './prometheus-process.js';

const MODERN = '2026-07-28';
const ENDPOINT_LOG = 'Prometheus metrics endpoint';

/** A 2026-07-28 tool call, as a plain HTTP client sends it. */
function callTool(url: string, token: string, name: string, args: object) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': MODERN,
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN,
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
}

describe("a real Prometheus scrapes the file server's --metrics endpoint", () => {
  let server: ChildProcess;
  let prometheus: PrometheusProcess;
  let root: string;
  let url: string;
  let readOnly: string;
  let metricsUrl: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'observed-metrics-'));
    server = spawn(
      process.execPath,
      fileServerArgs(['--port', '0', '--root', root, '--metrics', '127.0.0.1:0']),
      {
        cwd: dirname(FILE_SERVER_CLI),
        env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    server.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    // Ready once the banner names a read-only token and the log names the metrics endpoint.
    const exited = once(server, 'exit');
    while (!/read-only[^\n]*\n\s+\S+\n/.test(stdout) || !stderr.includes(ENDPOINT_LOG)) {
      const more = new Promise((resolve) => {
        server.stdout!.once('data', resolve);
        server.stderr!.once('data', resolve);
      });
      if ((await Promise.race([more, exited.then(() => 'exited')])) === 'exited')
        throw new Error(`the file server exited: ${stderr}`);
    }
    url = /MCP \(HTTP\)\s+(\S+)/.exec(stdout)![1]!;
    readOnly = /read-only[^\n]*\n\s+(\S+)\n/.exec(stdout)![1]!;
    metricsUrl = /"url":"([^"]+)","msg":"Prometheus metrics endpoint"/.exec(stderr)![1]!;
    prometheus = await startPrometheus(new URL(metricsUrl).host);
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('reads refusals, request durations and cache lookups back through the Prometheus API', async () => {
    expect((await callTool(url, readOnly, 'list_files', { path: '.' })).status).toBe(200);
    expect((await callTool(url, readOnly, 'list_files', { path: '.' })).status).toBe(200);
    expect((await callTool(url, readOnly, 'write_file', { path: 'a', content: 'b' })).status).toBe(
      403,
    );
    expect((await callTool(url, 'not.a.token', 'list_files', { path: '.' })).status).toBe(401);

    const refusals = await prometheus.query('portcullis_refusals_total', (series) =>
      ['insufficient_scope', 'invalid_token'].every((reason) =>
        series.some((entry) => entry.metric.portcullis_refusal_reason === reason),
      ),
    );
    expect(refusals.every((entry) => entry.metric.job === 'file-server')).toBe(true);
    expect(
      refusals.find((entry) => entry.metric.portcullis_refusal_reason === 'invalid_token')?.value,
    ).toBe(1);

    const operations = await prometheus.query(
      'mcp_server_operation_duration_count{mcp_method_name="tools/call"}',
      (series) => series.some((entry) => entry.metric.gen_ai_tool_name === 'list_files'),
    );
    expect(operations.find((entry) => entry.metric.gen_ai_tool_name === 'list_files')?.value).toBe(
      2,
    );

    const lookups = await prometheus.query('portcullis_token_cache_lookups_total', (series) =>
      series.some((entry) => entry.metric.portcullis_token_cache_result === 'hit'),
    );
    expect(lookups.map((entry) => entry.metric.portcullis_token_cache_result).sort()).toEqual([
      'hit',
      'miss',
    ]);
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  });
});
