import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An OTLP attribute value in the JSON encoding. */
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value: AnyValue;
}

/** A span as the receiver decoded it. */
export interface ReceivedSpan {
  name: string;
  /** 1 internal, 2 server, 3 client (OTLP `SpanKind`). */
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  status: { code?: number; message?: string };
  scope: string;
  resource: Record<string, unknown>;
}

/** One data point of a received metric, with its attributes. */
export interface ReceivedPoint {
  metric: string;
  attributes: Record<string, unknown>;
  /** A sum's value, or a histogram's count. */
  value: number;
}

function decodeValue(value: AnyValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

function decodeAttributes(attributes: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, decodeValue(value)]));
}

/** OTLP/JSON encodes ids as hex; an empty parent means a root span. */
const id = (value: string | undefined) => (value ? value : undefined);

/**
 * A real OTLP/HTTP receiver (JSON encoding, as `OTEL_EXPORTER_OTLP_PROTOCOL=http/json` sends
 * it) on a free port: it decodes `/v1/traces` and `/v1/metrics` and keeps every raw body, so a
 * test can assert what was exported and that no secret ever was.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly points: ReceivedPoint[] = [];
  /** Every body received, as text. */
  readonly bodies: string[] = [];
  readonly #server: Server;
  readonly #waiters = new Set<() => void>();

  private constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          const body = JSON.parse(text);
          this.bodies.push(text);
          if (req.url === '/v1/traces') this.#traces(body);
          else if (req.url === '/v1/metrics') this.#metrics(body);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch {
          res.writeHead(400).end();
        }
        for (const wake of [...this.#waiters]) wake();
      });
    });
  }

  /** Starts a receiver on a free port of 127.0.0.1. */
  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    receiver.#server.listen(0, '127.0.0.1');
    await once(receiver.#server, 'listening');
    return receiver;
  }

  /** The base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves with `find()`'s first defined answer, re-checked on every export received. */
  async waitFor<T>(find: () => T | undefined): Promise<T> {
    for (;;) {
      const found = find();
      if (found !== undefined && found !== false) return found;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          resolve();
        };
        this.#waiters.add(wake);
      });
    }
  }

  /** The first span called `name` that `matches`, once it has been received. */
  span(name: string, matches: (span: ReceivedSpan) => boolean = () => true): Promise<ReceivedSpan> {
    return this.waitFor(() => this.spans.find((span) => span.name === name && matches(span)));
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #traces(body: {
    resourceSpans?: {
      resource?: { attributes?: KeyValue[] };
      scopeSpans?: {
        scope?: { name?: string };
        spans?: {
          name: string;
          kind: number;
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          attributes?: KeyValue[];
          links?: { traceId: string; spanId: string }[];
          status?: { code?: number; message?: string };
        }[];
      }[];
    }[];
  }): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const resource = decodeAttributes(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? [])
        for (const span of scopeSpans.spans ?? [])
          this.spans.push({
            name: span.name,
            kind: span.kind,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: id(span.parentSpanId),
            attributes: decodeAttributes(span.attributes),
            links: (span.links ?? []).map((link) => ({
              traceId: link.traceId,
              spanId: link.spanId,
            })),
            status: span.status ?? {},
            scope: scopeSpans.scope?.name ?? '',
            resource,
          });
    }
  }

  #metrics(body: {
    resourceMetrics?: {
      scopeMetrics?: {
        metrics?: {
          name: string;
          sum?: {
            dataPoints?: { attributes?: KeyValue[]; asInt?: string | number; asDouble?: number }[];
          };
          histogram?: { dataPoints?: { attributes?: KeyValue[]; count?: string | number }[] };
        }[];
      }[];
    }[];
  }): void {
    for (const resourceMetrics of body.resourceMetrics ?? [])
      for (const scopeMetrics of resourceMetrics.scopeMetrics ?? [])
        for (const metric of scopeMetrics.metrics ?? []) {
          for (const point of metric.sum?.dataPoints ?? [])
            this.points.push({
              metric: metric.name,
              attributes: decodeAttributes(point.attributes),
              value: Number(point.asInt ?? point.asDouble ?? 0),
            });
          for (const point of metric.histogram?.dataPoints ?? [])
            this.points.push({
              metric: metric.name,
              attributes: decodeAttributes(point.attributes),
              value: Number(point.count ?? 0),
            });
        }
  }
}
