import { parseArgs } from 'node:util';
import type { ProbeOptions } from './run-probe.js';

/** How the command was asked to run. */
export interface CliOptions {
  probe: ProbeOptions;
  json: boolean;
  /** Where to write JUnit XML, if anywhere. */
  junit?: string;
  verbose: boolean;
  colour: boolean;
  help: boolean;
}

/** The usage text of `portcullis-probe --help`. */
export const USAGE = `Usage: portcullis-probe <MCP endpoint URL> [options]

Checks an MCP server's authorization from the outside and reports each check as pass,
fail or not applicable, with evidence (tokens redacted) and the spec clause.
Exit code: 0 when every applicable check passes, 1 when one fails, 2 on bad usage.

Tokens (or their environment variables, kept out of shell history):
  --token T            the (narrower) access token     PORTCULLIS_PROBE_TOKEN
  --broad-token T      a token with more scopes        PORTCULLIS_PROBE_BROAD_TOKEN
  --foreign-token T    a token for another resource
  --expired-token T    an expired token
  --id-token T         an OpenID Connect ID token
Or get them by client credentials (Casdoor's token path included):
  --client-id ID --client-secret S                     PORTCULLIS_PROBE_CLIENT_SECRET
  --scope "a b"        scopes of the narrow token
  --broad-scope "a b c" scopes of the broad token
  --issuer URL         the authorization server (default: the first in the metadata)
Target and limits:
  --websocket URL      the WebSocket endpoint, if any (ws:// or wss://)
  --only id,id         run only these checks      --skip id,id   skip these checks
  --allow-writes       allow calling tools that may write
  --max-requests N     at most N requests (default 100)
  --timeout-ms N       wait at most N ms per answer (default 10000)
  --oversized-bytes N  Content-Length of the oversized-body check (default 33554432)
Output:
  --json               the report as JSON on stdout
  --junit FILE         also write JUnit XML to FILE
  --verbose            evidence for every check, not only failures
  --no-color           no colours (they are off anyway when stdout is not a terminal)
  --help               this text
`;

const ids = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean)
    : undefined;

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new Error(`${flag} must be a positive integer, not ${value}`);
  return number;
}

/** Parses the command line (and the environment for secrets); throws on bad usage. */
export function parseCliOptions(
  argv: string[],
  env: NodeJS.ProcessEnv,
  isTty: boolean,
): CliOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      'broad-token': { type: 'string' },
      'foreign-token': { type: 'string' },
      'expired-token': { type: 'string' },
      'id-token': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      scope: { type: 'string' },
      'broad-scope': { type: 'string' },
      issuer: { type: 'string' },
      websocket: { type: 'string' },
      only: { type: 'string' },
      skip: { type: 'string' },
      'allow-writes': { type: 'boolean', default: false },
      'max-requests': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'oversized-bytes': { type: 'string' },
      json: { type: 'boolean', default: false },
      junit: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      'no-color': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const help = values.help === true;
  const url = positionals[0];
  if (!help && (!url || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)))
    throw new Error(
      'give the MCP endpoint as an http(s) URL, e.g. portcullis-probe https://mcp.example.com/mcp',
    );
  if (positionals.length > 1)
    throw new Error(`one endpoint at a time, not ${positionals.join(' ')}`);
  const clientSecret = values['client-secret'] ?? env.PORTCULLIS_PROBE_CLIENT_SECRET;
  const clientId = values['client-id'];
  if (clientId && !clientSecret)
    throw new Error('--client-id needs --client-secret (or PORTCULLIS_PROBE_CLIENT_SECRET)');
  return {
    probe: {
      url: url ?? '',
      websocket: values.websocket,
      tokens: {
        token: values.token ?? env.PORTCULLIS_PROBE_TOKEN,
        broadToken: values['broad-token'] ?? env.PORTCULLIS_PROBE_BROAD_TOKEN,
        foreignToken: values['foreign-token'],
        expiredToken: values['expired-token'],
        idToken: values['id-token'],
      },
      ...(clientId &&
        clientSecret && {
          client: {
            clientId,
            clientSecret,
            issuer: values.issuer,
            scope: values.scope,
            broadScope: values['broad-scope'],
          },
        }),
      only: ids(values.only),
      skip: ids(values.skip),
      allowWrites: values['allow-writes'] === true,
      maxRequests: positiveInteger(values['max-requests'], '--max-requests'),
      timeoutMs: positiveInteger(values['timeout-ms'], '--timeout-ms'),
      oversizedBytes: positiveInteger(values['oversized-bytes'], '--oversized-bytes'),
    },
    json: values.json === true,
    junit: values.junit,
    verbose: values.verbose === true,
    colour: isTty && values['no-color'] !== true && env.NO_COLOR === undefined,
    help,
  };
}
