import { parseArgs } from 'node:util';

/** How the file server was asked to run. */
export interface FileServerOptions {
  root: string;
  host: string;
  port: number;
  /** An OpenID Connect / OAuth 2.1 issuer to trust; without it (and without casdoor) the embedded one runs. */
  issuer?: string;
  jwksUri?: string;
  /** A Casdoor origin: issuer, JWKS path and shorthand scopes preset. */
  casdoor?: string;
  /** Accepted audiences; default the canonical resource URL. */
  audiences: string[];
  /** The public URL of the MCP endpoint, behind a proxy. */
  resource?: string;
  stdio: boolean;
  tlsCert?: string;
  tlsKey?: string;
  allowInsecureHttp: boolean;
  /** Requests per minute one identity may make, on every transport together; `undefined`: no limit. */
  rateLimitPerMinute: number | undefined;
  /** Redis shared by every instance behind a load balancer: all of their shared state, never a part. */
  redis?: string;
  /** Stateful 2025-era sessions (`Mcp-Session-Id`) instead of stateless answers. */
  sessions: boolean;
  /** Verify tokens by introspection (RFC 7662) with these resource-server credentials. */
  introspection?: { clientId: string; clientSecret: string };
  /** How long an introspection answer is reused, in seconds. */
  introspectionCacheSeconds: number;
  /** DPoP (RFC 9449): bearer only (`off`), bound tokens proven (`optional`), or only bound tokens. */
  dpop: 'off' | 'optional' | 'required';
  /** Where to serve Prometheus metrics (`/metrics`): `host:port`; `undefined`: nowhere. */
  metrics?: { host: string; port: number };
  help: boolean;
}

/** Each flag, its environment variable, and what it does: the source of `--help`. */
const FLAGS = {
  root: {
    type: 'string',
    env: 'FILE_SERVER_ROOT',
    help: 'the folder served (created if missing)',
    default: './files',
  },
  host: {
    type: 'string',
    env: 'FILE_SERVER_HOST',
    help: 'the address to bind',
    default: '127.0.0.1',
  },
  port: {
    type: 'string',
    env: 'FILE_SERVER_PORT',
    help: 'the port; 0 picks a free one',
    default: '8080',
  },
  issuer: {
    type: 'string',
    env: 'FILE_SERVER_ISSUER',
    help: 'an OpenID Connect / OAuth 2.1 issuer to trust (no embedded server then)',
  },
  'jwks-uri': {
    type: 'string',
    env: 'FILE_SERVER_JWKS_URI',
    help: "the issuer's JWKS URL, instead of discovery",
  },
  casdoor: {
    type: 'string',
    env: 'FILE_SERVER_CASDOOR',
    help: 'a Casdoor origin: issuer, JWKS at /.well-known/jwks, Casdoor shorthand scopes',
  },
  audience: {
    type: 'string',
    multiple: true,
    env: 'FILE_SERVER_AUDIENCE',
    help: 'an accepted token audience (repeatable; default the resource URL)',
  },
  resource: {
    type: 'string',
    env: 'FILE_SERVER_RESOURCE',
    help: 'the public URL of the MCP endpoint, e.g. behind a proxy',
  },
  stdio: {
    type: 'boolean',
    env: 'FILE_SERVER_STDIO',
    help: 'serve on stdio instead; the token comes from MCP_ACCESS_TOKEN',
  },
  'tls-cert': {
    type: 'string',
    env: 'FILE_SERVER_TLS_CERT',
    help: 'serve HTTPS and WSS with this certificate (PEM file)',
  },
  'tls-key': {
    type: 'string',
    env: 'FILE_SERVER_TLS_KEY',
    help: 'the private key of --tls-cert (PEM file)',
  },
  'rate-limit': {
    type: 'string',
    env: 'FILE_SERVER_RATE_LIMIT',
    help: 'requests per minute per identity (issuer, subject, client), as a burst and a steady rate; off to turn it off',
    default: '600',
  },
  dpop: {
    type: 'string',
    env: 'FILE_SERVER_DPOP',
    help: 'DPoP-bound tokens (RFC 9449): off (bearer only), optional (bound tokens must come with a proof), required (every token bound and proven)',
    default: 'off',
  },
  redis: {
    type: 'string',
    env: 'FILE_SERVER_REDIS',
    help: 'a Redis URL shared by every instance behind a load balancer: all their shared state on it (rate limit in total, DPoP proof ids, resource updates, session records and events, introspection cache)',
  },
  sessions: {
    type: 'boolean',
    env: 'FILE_SERVER_SESSIONS',
    help: 'stateful 2025-era sessions (Mcp-Session-Id, resumable SSE); default stateless',
  },
  introspection: {
    type: 'string',
    env: 'FILE_SERVER_INTROSPECTION',
    help: "verify tokens by introspection at the issuer with this resource server's CLIENT_ID:SECRET (opaque tokens, fast revocation)",
  },
  'introspection-cache': {
    type: 'string',
    env: 'FILE_SERVER_INTROSPECTION_CACHE',
    help: 'seconds an introspection answer is reused: a revoked token is refused everywhere within it',
    default: '30',
  },
  'allow-insecure-http': {
    type: 'boolean',
    env: 'FILE_SERVER_ALLOW_INSECURE_HTTP',
    help: 'allow plain HTTP on a non-loopback address (a TLS proxy is in front)',
  },
  metrics: {
    type: 'string',
    env: 'FILE_SERVER_METRICS',
    help: 'serve OpenTelemetry metrics for Prometheus to scrape at http://ADDRESS/metrics: a port, or host:port (0 picks a free port); traces and OTLP export follow the standard OTEL_* variables',
  },
  help: { type: 'boolean', env: undefined, help: 'show this help' },
} as const;

/** The `--help` text. */
export function helpText(): string {
  const rows = Object.entries(FLAGS).map(([name, flag]) => {
    const value = flag.type === 'string' ? ' VALUE' : '';
    const extra = [
      'default' in flag && flag.default ? `default ${flag.default}` : '',
      flag.env ? `env ${flag.env}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return `  --${name}${value}\n      ${flag.help}${extra ? ` (${extra})` : ''}`;
  });
  return [
    'portcullis-file-server: an MCP file server protected by OAuth 2.1',
    '',
    'Tools: read_file (scope files:read), write_file (files:write), list_files (files:list).',
    'Without --issuer or --casdoor, a development authorization server is embedded and tokens are printed.',
    '',
    'Options:',
    ...rows,
    '',
  ].join('\n');
}

const truthy = (value: string | undefined) =>
  value !== undefined && /^(1|true|yes|on)$/i.test(value);

/** Reads flags, then the environment, then defaults. Throws with a one-line reason on bad input. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): FileServerOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      Object.entries(FLAGS).map(([name, flag]) => [
        name,
        { type: flag.type, ...('multiple' in flag && { multiple: true }) },
      ]),
    ),
    allowPositionals: false,
    strict: true,
  });
  const text = (name: keyof typeof FLAGS): string | undefined => {
    const flag = FLAGS[name];
    const value = values[name];
    if (typeof value === 'string') return value;
    if (flag.env && env[flag.env] !== undefined && env[flag.env] !== '') return env[flag.env];
    return 'default' in flag ? flag.default : undefined;
  };
  const flag = (name: keyof typeof FLAGS) =>
    values[name] === true || (FLAGS[name].env !== undefined && truthy(env[FLAGS[name].env!]));
  const audienceFlags = values.audience as string[] | undefined;
  const audiences = audienceFlags?.length
    ? audienceFlags
    : (env.FILE_SERVER_AUDIENCE?.split(/[\s,]+/).filter(Boolean) ?? []);
  const port = Number(text('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a number from 0 to 65535, not ${text('port')}`);
  if (text('issuer') && text('casdoor')) throw new Error('give --issuer or --casdoor, not both');
  if (Boolean(text('tls-cert')) !== Boolean(text('tls-key')))
    throw new Error('--tls-cert and --tls-key go together');
  const rateLimit = text('rate-limit')!;
  const rateLimitPerMinute = rateLimit === 'off' ? undefined : Number(rateLimit);
  if (
    rateLimitPerMinute !== undefined &&
    !(Number.isInteger(rateLimitPerMinute) && rateLimitPerMinute >= 1)
  )
    throw new Error(
      `--rate-limit must be a whole number of requests per minute or off, not ${rateLimit}`,
    );
  const dpop = text('dpop')!;
  if (dpop !== 'off' && dpop !== 'optional' && dpop !== 'required')
    throw new Error(`--dpop must be off, optional or required, not ${dpop}`);
  const introspection = text('introspection');
  const cut = introspection?.indexOf(':') ?? -1;
  if (introspection !== undefined && cut < 1)
    throw new Error('--introspection must be CLIENT_ID:SECRET');
  const introspectionCacheSeconds = Number(text('introspection-cache'));
  if (!(Number.isFinite(introspectionCacheSeconds) && introspectionCacheSeconds >= 0))
    throw new Error('--introspection-cache must be a number of seconds');
  const metrics = text('metrics');
  const metricsAt = metrics === undefined ? undefined : /^(?:(.+):)?(\d{1,5})$/.exec(metrics);
  if (metrics !== undefined && (!metricsAt || Number(metricsAt[2]) > 65535))
    throw new Error(`--metrics must be a port or host:port, not ${metrics}`);
  return {
    root: text('root')!,
    host: text('host')!,
    port,
    issuer: text('issuer'),
    jwksUri: text('jwks-uri'),
    casdoor: text('casdoor'),
    audiences,
    resource: text('resource'),
    stdio: flag('stdio'),
    tlsCert: text('tls-cert'),
    tlsKey: text('tls-key'),
    allowInsecureHttp: flag('allow-insecure-http'),
    rateLimitPerMinute,
    redis: text('redis'),
    sessions: flag('sessions'),
    introspection:
      introspection === undefined
        ? undefined
        : { clientId: introspection.slice(0, cut), clientSecret: introspection.slice(cut + 1) },
    introspectionCacheSeconds,
    dpop,
    ...(metricsAt && {
      metrics: { host: metricsAt[1] ?? '127.0.0.1', port: Number(metricsAt[2]) },
    }),
    help: values.help === true,
  };
}
