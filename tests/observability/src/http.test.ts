import { type RunningHttpServer, startHttpServer } from '@portcullis/streamable-http';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSpan, type LogLine, observedPortcullis, SECRET_ARGUMENT } from './fixtures.js';
import { type InProcessSdk, startInProcessSdk } from './in-process-sdk.js';
import { OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const SERVER = 2;
const MODERN = '2026-07-28';

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  // A JSON body, or the last JSON-RPC message of an event stream (priming events are empty).
  const events = text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line.length > 6)
    .map((line) => JSON.parse(line.slice(6)));
  const isJson = response.headers.get('content-type')?.startsWith('application/json');
  return {
    status: response.status,
    sessionId: response.headers.get('mcp-session-id'),
    json: isJson && text ? JSON.parse(text) : events.at(-1),
  };
}

const envelope = (carrier: Record<string, string>) => ({
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
  ...carrier,
});

describe('OpenTelemetry over Streamable HTTP, both eras', () => {
  let receiver: OtlpReceiver;
  let sdk: InProcessSdk;
  let as: AuthorizationServer;
  let stateless: RunningHttpServer;
  let stateful: RunningHttpServer;
  let reader: string;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    sdk = startInProcessSdk(receiver.url, 'observed-http');
    as = await startAuthorizationServer();
    stateless = await startHttpServer({
      portcullis: ({ origin }) => observedPortcullis(as, `${origin}/mcp`, lines),
    });
    stateful = await startHttpServer({
      portcullis: ({ origin }) => observedPortcullis(as, `${origin}/mcp`, lines),
      sessions: {},
    });
    reader = await as.mintToken({ audience: stateless.url, scopes: ['notes:read'] });
  });
  afterAll(async () => {
    await stateless?.close();
    await stateful?.close();
    await as?.close();
    await sdk?.shutdown();
    await receiver?.close();
  });

  it('2026-07-28: a server span parented on _meta, linked to the HTTP headers, with the handler and verification as children', async () => {
    const meta = clientSpan('client tools/call');
    const transportContext = clientSpan('client HTTP POST');
    const answer = await post(
      stateless.url,
      {
        jsonrpc: '2.0',
        id: 'call-1',
        method: 'tools/call',
        params: {
          name: 'whoami',
          arguments: { note: SECRET_ARGUMENT },
          _meta: envelope(meta.carrier),
        },
      },
      {
        authorization: `Bearer ${reader}`,
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'whoami',
        traceparent: transportContext.carrier.traceparent!,
      },
    );
    expect(answer.status).toBe(200);
    // Baggage from _meta reached the handler.
    expect(answer.json.result.content[0].text).toMatch(/ tenant-7$/);

    const clientIds = meta.span.spanContext();
    const server = await receiver.span(
      'tools/call whoami',
      (span) => span.traceId === clientIds.traceId,
    );
    expect(server.kind).toBe(SERVER);
    expect(server.parentSpanId).toBe(clientIds.spanId);
    expect(server.links).toEqual([
      {
        traceId: transportContext.span.spanContext().traceId,
        spanId: transportContext.span.spanContext().spanId,
      },
    ]);
    expect(server.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'whoami',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': 'call-1',
      'mcp.protocol.version': MODERN,
      'network.transport': 'tcp',
      'network.protocol.name': 'http',
    });
    // Stateless: no session, so no session id.
    expect(server.attributes).not.toHaveProperty('mcp.session.id');
    expect(server.scope).toBe('@portcullis/core');
    expect(server.resource['service.name']).toBe('observed-http');
    const handler = await receiver.span(
      'handler whoami',
      (span) => span.traceId === clientIds.traceId,
    );
    expect(handler.parentSpanId).toBe(server.spanId);

    // Verification ran in the transport's trace (the request's HTTP headers): admission, then
    // the token verification (a cache miss on first use), then the JWKS fetch.
    const httpTrace = transportContext.span.spanContext().traceId;
    const admission = await receiver.span(
      'portcullis.authenticate',
      (s) => s.traceId === httpTrace,
    );
    expect(admission.parentSpanId).toBe(transportContext.span.spanContext().spanId);
    const verification = await receiver.span(
      'portcullis.verify_token',
      (s) => s.traceId === httpTrace,
    );
    expect(verification.parentSpanId).toBe(admission.spanId);
    expect(verification.attributes['portcullis.token_cache.hit']).toBe(false);
    const jwks = await receiver.span('portcullis.jwks.fetch', (s) => s.traceId === httpTrace);
    expect(jwks.parentSpanId).toBe(verification.spanId);
    expect(jwks.attributes['url.full']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  });

  it('2025-11-25 with a session: the session id is on the span, a second call is a cache hit', async () => {
    const headers = { authorization: `Bearer ${reader}`, 'mcp-protocol-version': '2025-11-25' };
    const token = await as.mintToken({ audience: stateful.url, scopes: ['notes:read'] });
    const opened = await post(
      stateful.url,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      },
      { ...headers, authorization: `Bearer ${token}` },
    );
    const sessionId = opened.sessionId!;
    expect(sessionId).toBeTruthy();
    const session = { ...headers, authorization: `Bearer ${token}`, 'mcp-session-id': sessionId };
    await post(stateful.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, session);
    const meta = clientSpan('client legacy call');
    const answer = await post(
      stateful.url,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'whoami', arguments: {}, _meta: meta.carrier },
      },
      session,
    );
    expect(answer.json.result.content[0].text).toMatch(/ tenant-7$/);
    const server = await receiver.span(
      'tools/call whoami',
      (span) => span.traceId === meta.span.spanContext().traceId,
    );
    expect(server.parentSpanId).toBe(meta.span.spanContext().spanId);
    expect(server.links).toEqual([]);
    expect(server.attributes).toMatchObject({
      'mcp.session.id': sessionId,
      'mcp.protocol.version': '2025-11-25',
      'jsonrpc.request.id': '7',
    });
    await receiver.span('initialize', (span) => span.attributes['mcp.session.id'] === sessionId);
    await receiver.span(
      'portcullis.verify_token',
      (span) => span.attributes['portcullis.token_cache.hit'] === true,
    );
  });

  it('refusals: error.type on the spans, one warn line each, counted by reason', async () => {
    const writer = clientSpan('client refused call');
    // A call beyond the token's scopes (refused from the 2026-07-28 headers, before the body).
    const denied = await post(
      stateless.url,
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'write_note', arguments: { text: SECRET_ARGUMENT }, _meta: envelope({}) },
      },
      {
        authorization: `Bearer ${reader}`,
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'write_note',
        traceparent: writer.carrier.traceparent!,
      },
    );
    expect(denied.status).toBe(403);
    const refused = await receiver.span(
      'tools/call write_note',
      (span) => span.traceId === writer.span.spanContext().traceId,
    );
    expect(refused.kind).toBe(SERVER);
    expect(refused.parentSpanId).toBe(writer.span.spanContext().spanId);
    expect(refused.attributes['error.type']).toBe('insufficient_scope');
    expect(refused.status.code).toBe(2);

    // A forged token: the admission span says why.
    const forged = clientSpan('client forged');
    const unauthorized = await post(
      stateless.url,
      { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: envelope({}) } },
      {
        authorization: 'Bearer not.a.token',
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/list',
        traceparent: forged.carrier.traceparent!,
      },
    );
    expect(unauthorized.status).toBe(401);
    const admission = await receiver.span(
      'portcullis.authenticate',
      (span) => span.traceId === forged.span.spanContext().traceId,
    );
    expect(admission.attributes['error.type']).toBe('invalid_token');
    expect(admission.status.code).toBe(2);

    const warnings = lines.filter((line) => line.level === 'warn');
    expect(warnings.map((line) => line.message)).toEqual(
      expect.arrayContaining([
        'request refused: insufficient scope',
        'request refused: authentication failed',
      ]),
    );
    expect(warnings.find((line) => line.fields.event === 'access_denied')?.fields).toMatchObject({
      target: 'write_note',
      missingScopes: ['notes:write'],
    });

    await sdk.flushMetrics();
    const refusals = await receiver.waitFor(() => {
      const points = receiver.points.filter((point) => point.metric === 'portcullis.refusals');
      const reasons = new Set(points.map((point) => point.attributes['portcullis.refusal.reason']));
      return reasons.has('insufficient_scope') && reasons.has('invalid_token') ? points : undefined;
    });
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    const operation = receiver.points.find(
      (point) =>
        point.metric === 'mcp.server.operation.duration' &&
        point.attributes['gen_ai.tool.name'] === 'whoami',
    );
    expect(operation?.attributes).toMatchObject({ 'mcp.method.name': 'tools/call' });
    const lookups = receiver.points.filter(
      (point) => point.metric === 'portcullis.token_cache.lookups',
    );
    expect(
      new Set(lookups.map((point) => point.attributes['portcullis.token_cache.result'])),
    ).toEqual(new Set(['hit', 'miss']));
    expect(
      receiver.points.some(
        (point) =>
          point.metric === 'portcullis.jwks.fetches' &&
          point.attributes['portcullis.outcome'] === 'success',
      ),
    ).toBe(true);
    expect(
      receiver.points.some(
        (point) =>
          point.metric === 'portcullis.open' &&
          point.attributes['portcullis.open.kind'] === 'session',
      ),
    ).toBe(true);
  });

  it('never exports a token, a tool argument or a log line with one', async () => {
    const everything = receiver.bodies.join('\n');
    expect(everything).not.toContain(reader);
    expect(everything).not.toContain(reader.split('.')[2]);
    expect(everything).not.toContain('not.a.token');
    expect(everything).not.toContain(SECRET_ARGUMENT);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(reader.split('.')[2]);
    expect(logged).not.toContain(SECRET_ARGUMENT);
    expect(receiver.spans.every((span: ReceivedSpan) => span.name.length > 0)).toBe(true);
  });
});
