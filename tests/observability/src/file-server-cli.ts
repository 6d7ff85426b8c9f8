import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The file server's CLI, from its TypeScript source through the package's own export. */
export const FILE_SERVER_CLI = join(
  dirname(require.resolve('@portcullis/file-server/package.json')),
  'src',
  'cli.ts',
);

/** The `node` arguments that run the CLI from source, then `args`. */
export const fileServerArgs = (args: readonly string[]) => [
  '--conditions=@portcullis/source',
  '--import',
  'tsx',
  FILE_SERVER_CLI,
  ...args,
];

/** The standard OpenTelemetry variables exporting to `endpoint` in OTLP/JSON, promptly. */
export const otelEnvironment = (endpoint: string, serviceName: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_SERVICE_NAME: serviceName,
  OTEL_BSP_SCHEDULE_DELAY: '50',
  OTEL_METRIC_EXPORT_INTERVAL: '500',
});
