import { Client } from '@modelcontextprotocol/client';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import {
  type RunningWebSocketServer,
  startWebSocketServer,
  WebSocketClientTransport,
} from '@portcullis/websocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSpan, type LogLine, observedPortcullis, SECRET_ARGUMENT } from './fixtures.js';
import { type InProcessSdk, startInProcessSdk } from './in-process-sdk.js';
import { OtlpReceiver } from './otlp-receiver.js';

describe('OpenTelemetry over WebSocket', () => {
  let receiver: OtlpReceiver;
  let sdk: InProcessSdk;
  let as: AuthorizationServer;
  let server: RunningWebSocketServer;
  let client: Client;
  let token: string;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    sdk = startInProcessSdk(receiver.url, 'observed-websocket');
    as = await startAuthorizationServer();
    server = await startWebSocketServer({
      portcullis: ({ origin }) => observedPortcullis(as, `${origin}/mcp`, lines),
    });
    token = await as.mintToken({ audience: server.portcullis.resource, scopes: ['notes:read'] });
    client = new Client({ name: 'observed-ws-client', version: '1.0.0' });
    await client.connect(new WebSocketClientTransport(server.url, { token }));
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    await as?.close();
    await sdk?.shutdown();
    await receiver?.close();
  });

  it('a server span per message, parented on its _meta trace context', async () => {
    const caller = clientSpan('client tools/call over ws');
    const result = await client.callTool({
      name: 'whoami',
      arguments: { note: SECRET_ARGUMENT },
      _meta: caller.carrier,
    });
    expect((result.content as { text: string }[])[0]!.text).toMatch(/ tenant-7$/);
    const { traceId, spanId } = caller.span.spanContext();
    const span = await receiver.span('tools/call whoami', (s) => s.traceId === traceId);
    expect(span.kind).toBe(2);
    expect(span.parentSpanId).toBe(spanId);
    expect(span.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'whoami',
      'network.transport': 'tcp',
      'network.protocol.name': 'websocket',
    });
    expect(typeof span.attributes['jsonrpc.request.id']).toBe('string');
    expect(typeof span.attributes['mcp.protocol.version']).toBe('string');
    const handler = await receiver.span('handler whoami', (s) => s.traceId === traceId);
    expect(handler.parentSpanId).toBe(span.spanId);
  });

  it('a call beyond the scopes: error.type insufficient_scope, a warn line, a count', async () => {
    const caller = clientSpan('client refused over ws');
    await expect(
      client.callTool({
        name: 'write_note',
        arguments: { text: SECRET_ARGUMENT },
        _meta: caller.carrier,
      }),
    ).rejects.toThrow(/insufficient_scope/);
    const span = await receiver.span(
      'tools/call write_note',
      (s) => s.attributes['error.type'] === 'insufficient_scope',
    );
    expect(span.kind).toBe(2);
    expect(span.status.code).toBe(2);
    expect(
      lines.some((line) => line.fields.event === 'access_denied' && line.level === 'warn'),
    ).toBe(true);
    await sdk.flushMetrics();
    await receiver.waitFor(() =>
      receiver.points.find(
        (point) =>
          point.metric === 'portcullis.refusals' &&
          point.attributes['portcullis.refusal.reason'] === 'insufficient_scope' &&
          point.attributes['portcullis.transport'] === 'websocket',
      ),
    );
    const open = receiver.points.find(
      (point) =>
        point.metric === 'portcullis.open' &&
        point.attributes['portcullis.open.kind'] === 'websocket',
    );
    expect(open?.value).toBe(1);
    const everything = receiver.bodies.join('\n');
    expect(everything).not.toContain(SECRET_ARGUMENT);
    expect(everything).not.toContain(token.split('.')[2]);
  });
});
