import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_SERVER_CLI, fileServerArgs, otelEnvironment } from './file-server-cli.js';
import { OtlpReceiver } from './otlp-receiver.js';

const RESOURCE = 'http://127.0.0.1:8080/mcp';

describe('OpenTelemetry of the file server on stdio, from the standard OTEL_* variables', () => {
  let receiver: OtlpReceiver;
  let as: AuthorizationServer;
  let root: string;
  let client: Client;
  let token: string;
  const stderr: string[] = [];
  // The test is the instrumented client: it only needs ids to put in _meta.
  const tracer = new BasicTracerProvider().getTracer('observability-test-client');

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    receiver = await OtlpReceiver.start();
    as = await startAuthorizationServer();
    root = await mkdtemp(join(tmpdir(), 'observed-stdio-'));
    token = await as.mintToken({ audience: RESOURCE, scopes: ['files:read', 'files:list'] });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: fileServerArgs([
        '--stdio',
        '--issuer',
        as.issuer,
        '--resource',
        RESOURCE,
        '--root',
        root,
      ]),
      cwd: dirname(FILE_SERVER_CLI),
      env: {
        PATH: process.env.PATH ?? '',
        MCP_ACCESS_TOKEN: token,
        LOG_LEVEL: 'warn',
        ...otelEnvironment(receiver.url, 'observed-stdio'),
      },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    client = new Client({ name: 'observed-stdio-client', version: '1.0.0' });
    await client.connect(transport);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await as?.close();
    await receiver?.close();
    if (root) await rm(root, { recursive: true, force: true });
    propagation.disable();
    context.disable();
  });

  it('a server span per request over the pipe, parented on _meta, then a refusal', async () => {
    const caller = tracer.startSpan('client tools/call over stdio');
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), caller), carrier);
    caller.end();
    await client.callTool({ name: 'list_files', arguments: { path: '.' }, _meta: carrier });

    const { traceId, spanId } = caller.spanContext();
    const span = await receiver.span('tools/call list_files', (s) => s.traceId === traceId);
    expect(span.parentSpanId).toBe(spanId);
    expect(span.kind).toBe(2);
    expect(span.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'list_files',
      'network.transport': 'pipe',
    });
    expect(span.attributes).not.toHaveProperty('network.protocol.name');
    expect(span.attributes).not.toHaveProperty('mcp.session.id');
    expect(span.resource['service.name']).toBe('observed-stdio');

    const refused = await client
      .callTool({ name: 'write_file', arguments: { path: 'x.txt', content: 'secret content' } })
      .then(
        (result) => result,
        (error: Error) => error,
      );
    expect(String((refused as Error).message ?? JSON.stringify(refused))).toMatch(
      /insufficient_scope/,
    );
    const denied = await receiver.span(
      'tools/call write_file',
      (s) => s.attributes['error.type'] === 'insufficient_scope',
    );
    expect(denied.status.code).toBe(2);
    // The token verified at start: the admission span, with the JWKS fetch beneath.
    await receiver.span(
      'portcullis.authenticate',
      (s) => s.attributes['portcullis.transport'] === 'stdio',
    );
    await receiver.span('portcullis.jwks.fetch');
    await receiver.waitFor(() =>
      receiver.points.find(
        (point) =>
          point.metric === 'portcullis.refusals' &&
          point.attributes['portcullis.transport'] === 'stdio',
      ),
    );
    // One warn line on stderr for the refusal, never the token or the content.
    await receiver.waitFor(
      () => stderr.join('').includes('request refused: insufficient scope') || undefined,
    );
    const everything = receiver.bodies.join('\n') + stderr.join('');
    expect(everything).not.toContain(token.split('.')[2]);
    expect(everything).not.toContain('secret content');
  });
});
