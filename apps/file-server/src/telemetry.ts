import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@portcullis/core';

/** The OpenTelemetry SDK of the file server, once started. */
export interface FileServerTelemetry {
  /** Where Prometheus scrapes, with `--metrics`. */
  readonly metricsUrl: string | undefined;
  /** Exports what is pending, then stops. */
  shutdown(): Promise<void>;
}

/** The standard variables that ask for an OTLP export (or another exporter). */
const EXPORT_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
];

const isSet = (env: NodeJS.ProcessEnv, name: string) =>
  env[name] !== undefined && env[name] !== '' && env[name] !== 'none';

/**
 * Starts the OpenTelemetry SDK when the standard `OTEL_*` variables ask for an export
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_PROTOCOL`…, read by
 * the SDK itself) or `--metrics` asks for a Prometheus endpoint; otherwise it starts nothing
 * and Portcullis's instrumentation stays a no-op. With `--metrics`, metrics go to Prometheus
 * only; traces still follow the variables.
 */
export async function startTelemetry(
  metrics: { host: string; port: number } | undefined,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FileServerTelemetry | undefined> {
  if (env.OTEL_SDK_DISABLED === 'true') return undefined;
  const exports = EXPORT_VARIABLES.some((name) => isSet(env, name));
  if (!exports && !metrics) return undefined;
  const tracesWanted =
    isSet(env, 'OTEL_TRACES_EXPORTER') ||
    isSet(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ||
    isSet(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');

  // Loaded only when asked for: the SDK is a large module graph a server without it never pays.
  const [{ NodeSDK }, { PrometheusExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-prometheus'),
  ]);
  let scrape: Server | undefined;
  let prometheus: InstanceType<typeof PrometheusExporter> | undefined;
  if (metrics) {
    prometheus = new PrometheusExporter({ preventServerStart: true });
    const exporter = prometheus;
    scrape = createServer((req, res) => {
      if (req.url === '/metrics' && req.method === 'GET')
        exporter.getMetricsRequestHandler(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve, reject) => {
      scrape!.once('error', reject).listen(metrics.port, metrics.host, resolve);
    });
  }
  const sdk = new NodeSDK({
    ...(!env.OTEL_SERVICE_NAME && { serviceName: 'portcullis-file-server' }),
    ...(prometheus && { metricReaders: [prometheus] }),
    // No exporter asked for traces: no tracer at all (rather than a default one failing).
    ...(!tracesWanted && { spanProcessors: [] }),
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  const address = scrape?.address() as AddressInfo | undefined;
  const metricsUrl = address && `http://${metrics!.host}:${address.port}/metrics`;
  if (metricsUrl) logger.info({ url: metricsUrl }, 'Prometheus metrics endpoint');
  return {
    metricsUrl,
    async shutdown() {
      await sdk.shutdown().catch(() => undefined);
      if (scrape) await new Promise((resolve) => scrape!.close(resolve));
    },
  };
}
