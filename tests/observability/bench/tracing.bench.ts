import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { JSONRPCMessage } from '@portcullis/core';
import { createServerChannel } from '@portcullis/core/adapter';
import { startAuthorizationServer } from '@portcullis/testing';
import { afterAll, bench, describe } from 'vitest';
import { observedPortcullis } from '../src/fixtures.js';

/**
 * The cost of OpenTelemetry per MCP call: one 2026-07-28 `tools/call` dispatched through the
 * server channel every transport uses (admission of its token, the scope check, the handler,
 * the response), with nothing registered, then with the SDK's metrics, its tracing (spans
 * batched to an in-memory exporter, the request carrying a `traceparent` in `_meta`), and both.
 */
const RESOURCE = 'https://bench.example.test/mcp';
const as = await startAuthorizationServer();
const portcullis = observedPortcullis(as, RESOURCE, []);
const token = await as.mintToken({ audience: RESOURCE, scopes: ['notes:read'] });
const channel = await createServerChannel(
  portcullis.createServer({ auth: undefined, transport: 'in-memory' }),
  { era: 'modern' },
);
afterAll(async () => {
  await channel.close();
  await as.close();
});

const meta = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};
let nextId = 1;
/** Long enough for a median to hold on a shared machine. */
const LONG = { time: 6000, warmupTime: 1000, warmupIterations: 200 };

/** One call: admitted like an HTTP request, dispatched, answered. */
async function call(): Promise<void> {
  const admission = await portcullis.admit({
    kind: 'start',
    transport: 'in-memory',
    token,
  });
  if (!admission.admitted) throw admission.refusal;
  await new Promise<void>((resolve) => {
    channel.dispatch(
      {
        jsonrpc: '2.0',
        id: nextId++,
        method: 'tools/call',
        params: { name: 'whoami', arguments: {}, _meta: meta },
      } as JSONRPCMessage,
      { auth: admission.auth, sink: { send: () => resolve() } },
    );
  });
}

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(spans, { maxQueueSize: 65_536 })],
});
const meterProvider = new MeterProvider({
  readers: [
    new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA),
      exportIntervalMillis: 1000,
    }),
  ],
});

/** Registers what a variant measures, and nothing else. */
function register(tracing: boolean, metered: boolean) {
  trace.disable();
  metrics.disable();
  context.disable();
  propagation.disable();
  if (tracing) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(tracerProvider);
  }
  if (metered) metrics.setGlobalMeterProvider(meterProvider);
  spans.reset();
}

console.log(
  `OpenTelemetry cost per call on Node ${process.version} (${process.platform}/${process.arch})`,
);

describe('one tools/call through admission and the channel', () => {
  bench('no OpenTelemetry configured', call, { ...LONG, setup: () => register(false, false) });
  bench('metrics (SDK MeterProvider)', call, { ...LONG, setup: () => register(false, true) });
  bench('tracing (SDK, batched spans)', call, { ...LONG, setup: () => register(true, false) });
  bench('tracing and metrics', call, { ...LONG, setup: () => register(true, true) });
});
