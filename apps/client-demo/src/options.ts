import { parseArgs } from 'node:util';

/** The subcommands. */
export type Command = 'tools' | 'call' | 'whoami';

/** What the client was asked to do. */
export interface ClientOptions {
  command: Command | undefined;
  toolName: string | undefined;
  args: Record<string, unknown>;
  server: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scopes: string[];
  tokenUrl: string | undefined;
  resource: string | undefined;
  stepUp: boolean;
  /** Ask for DPoP-bound tokens and prove possession of the key on every request (RFC 9449). */
  dpop: boolean;
  json: boolean;
  help: boolean;
}

/** Each flag with its environment variable: the source of `--help`. */
const FLAGS = {
  server: {
    type: 'string',
    env: 'MCP_SERVER_URL',
    help: 'the MCP endpoint (http(s):// or ws(s)://)',
  },
  'client-id': { type: 'string', env: 'MCP_CLIENT_ID', help: 'the OAuth client id' },
  'client-secret': {
    type: 'string',
    env: 'MCP_CLIENT_SECRET',
    help: 'the client secret; prefer the environment variable, flags end up in shell history',
  },
  scope: {
    type: 'string',
    env: 'MCP_SCOPE',
    help: 'space-separated scopes to ask for, e.g. "application:read"',
  },
  'token-url': {
    type: 'string',
    env: 'MCP_TOKEN_URL',
    help: 'the token endpoint, skipping discovery (Casdoor: ORIGIN/api/login/oauth/access_token)',
  },
  resource: {
    type: 'string',
    env: 'MCP_RESOURCE',
    help: "the resource indicator (RFC 8707) to ask tokens for; default the server's metadata, else the server URL",
  },
  casdoor: {
    type: 'string',
    env: 'MCP_CASDOOR',
    help: 'a Casdoor origin: sets --token-url and --server ORIGIN/api/mcp',
  },
  'step-up': {
    type: 'boolean',
    env: 'MCP_STEP_UP',
    help: 'on insufficient_scope, get a token with the missing scopes and retry once',
  },
  dpop: {
    type: 'boolean',
    env: 'MCP_DPOP',
    help: 'DPoP (RFC 9449): ask for a token bound to a fresh key, and sign a proof for every request',
  },
  json: { type: 'boolean', env: 'MCP_JSON', help: 'print JSON for scripts' },
  args: { type: 'string', env: undefined, help: 'the arguments of `call`, as a JSON object' },
  help: { type: 'boolean', env: undefined, help: 'show this help' },
} as const;

/** The `--help` text. */
export function helpText(): string {
  return [
    'portcullis-client: call tools on an OAuth-protected MCP server',
    '',
    'Commands:',
    '  tools                     list the tools the token allows',
    '  call NAME --args JSON     call a tool',
    "  whoami                    show the current token's claims (decoded locally, signature not verified)",
    '',
    'Options:',
    ...Object.entries(FLAGS).map(
      ([name, flag]) =>
        `  --${name}${flag.type === 'string' ? ' VALUE' : ''}\n      ${flag.help}${flag.env ? ` (env ${flag.env})` : ''}`,
    ),
    '',
    'Exit codes: 0 done, 1 failed, 2 bad usage, 3 refused for lack of scope, 4 not authorized.',
    '',
  ].join('\n');
}

/** Thrown for bad usage, with a one-line reason. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Reads the command line and the environment. A leading `--` is skipped: `pnpm run client --
 * --help` passes it on, and it would otherwise make every flag after it a positional.
 */
export function parseClientOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ClientOptions {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv[0] === '--' ? argv.slice(1) : [...argv],
      options: Object.fromEntries(
        Object.entries(FLAGS).map(([name, flag]) => [name, { type: flag.type }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const text = (name: keyof typeof FLAGS) => {
    const value = values[name];
    if (typeof value === 'string') return value;
    const variable = FLAGS[name].env;
    return variable && env[variable] ? env[variable] : undefined;
  };
  const flag = (name: keyof typeof FLAGS) =>
    values[name] === true ||
    (FLAGS[name].env !== undefined && /^(1|true|yes)$/i.test(env[FLAGS[name].env!] ?? ''));

  const [command, toolName] = positionals;
  if (command !== undefined && !['tools', 'call', 'whoami'].includes(command))
    throw new UsageError(`unknown command ${command}`);
  if (command === 'call' && !toolName)
    throw new UsageError('call needs a tool name: call NAME --args JSON');
  let args: Record<string, unknown> = {};
  const rawArgs = text('args');
  if (rawArgs !== undefined) {
    try {
      args = JSON.parse(rawArgs);
    } catch {
      throw new UsageError('--args must be a JSON object');
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      throw new UsageError('--args must be a JSON object');
  }
  const casdoor = text('casdoor')?.replace(/\/+$/, '');
  const server = text('server') ?? (casdoor ? `${casdoor}/api/mcp` : undefined);
  return {
    command: command as Command | undefined,
    toolName,
    args,
    server,
    clientId: text('client-id'),
    clientSecret: text('client-secret'),
    scopes: text('scope')?.split(/\s+/).filter(Boolean) ?? [],
    tokenUrl:
      text('token-url') ?? (casdoor ? `${casdoor}/api/login/oauth/access_token` : undefined),
    resource: text('resource'),
    stepUp: flag('step-up'),
    dpop: flag('dpop'),
    json: flag('json'),
    help: values.help === true || command === undefined,
  };
}
