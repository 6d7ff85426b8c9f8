import {
  type Counter,
  createNoopMeter,
  type Histogram,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Tracer,
  type TracerProvider,
  trace,
  type UpDownCounter,
  ValueType,
} from '@opentelemetry/api';

/** The instrumentation scope of every span and metric Portcullis records. */
export const INSTRUMENTATION_SCOPE = '@portcullis/core';

/** Every instrument Portcullis records to, created once per meter provider. */
export interface Instruments {
  /** `mcp.server.operation.duration` (s): one MCP request, from dispatch to response. */
  operationDuration: Histogram;
  /** `portcullis.admission.duration` (s): reading and verifying a request's credentials. */
  admissionDuration: Histogram;
  /** `portcullis.refusals`: refused requests, by `portcullis.refusal.reason`. */
  refusals: Counter;
  /** `portcullis.rate_limited`: calls refused by the rate limit. */
  rateLimited: Counter;
  /** `portcullis.token_cache.lookups`: verified-token cache lookups, by `portcullis.token_cache.result`. */
  tokenCacheLookups: Counter;
  /** `portcullis.jwks.fetches`: JWKS fetches, by `portcullis.outcome`. */
  jwksFetches: Counter;
  /** `portcullis.introspection.requests`: introspection requests, by `portcullis.outcome`. */
  introspections: Counter;
  /** `portcullis.open`: what is open now, by `portcullis.open.kind` (session, websocket, listen_stream). */
  open: UpDownCounter;
}

/** The tracer and instruments in use, or `undefined` for a signal nobody configured. */
export interface Telemetry {
  tracer: Tracer | undefined;
  instruments: Instruments | undefined;
}

/** The provider `trace` falls back to when no application registered one. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();

function createInstruments(provider: MeterProvider): Instruments | undefined {
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  if (meter === NOOP_METER) return undefined;
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, {
      description,
      unit: 's',
      advice: {
        explicitBucketBoundaries: [
          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
        ],
      },
    });
  const count = (name: string, description: string) =>
    meter.createCounter(name, { description, valueType: ValueType.INT });
  return {
    operationDuration: seconds(
      'mcp.server.operation.duration',
      'MCP request duration as observed on the server, from its dispatch until its response',
    ),
    admissionDuration: seconds(
      'portcullis.admission.duration',
      "Time spent reading and verifying a request's credentials",
    ),
    refusals: count('portcullis.refusals', 'Requests refused, by reason'),
    rateLimited: count('portcullis.rate_limited', 'Calls refused by the rate limit'),
    tokenCacheLookups: count(
      'portcullis.token_cache.lookups',
      'Lookups in the verified-token cache, by hit or miss',
    ),
    jwksFetches: count('portcullis.jwks.fetches', 'JWKS fetches, by outcome'),
    introspections: count(
      'portcullis.introspection.requests',
      'Introspection requests, by outcome',
    ),
    open: meter.createUpDownCounter('portcullis.open', {
      description: 'Sessions, WebSocket connections and listen streams open now',
      valueType: ValueType.INT,
    }),
  };
}

let tracerProvider: TracerProvider | undefined;
let meterProvider: MeterProvider | undefined;
const current: Telemetry = { tracer: undefined, instruments: undefined };

/**
 * The tracer and instruments of the globally registered OpenTelemetry providers. Each is
 * created once per provider and `undefined` while none is registered, so a server nobody
 * observes builds no span, no attribute and no measurement.
 */
export function telemetry(): Telemetry {
  // The API hands out one proxy whatever is registered: its delegate says what is.
  const registered = trace.getTracerProvider();
  const tracers = registered instanceof ProxyTracerProvider ? registered.getDelegate() : registered;
  if (tracers !== tracerProvider) {
    tracerProvider = tracers;
    current.tracer =
      tracers === NOOP_TRACER_PROVIDER ? undefined : tracers.getTracer(INSTRUMENTATION_SCOPE);
  }
  const meters = metrics.getMeterProvider();
  if (meters !== meterProvider) {
    meterProvider = meters;
    current.instruments = createInstruments(meters);
  }
  return current;
}
