import { DpopSession } from '@modelcontextprotocol/client';
import { connectToMcpServer, ScopeDeniedError, UnauthorizedError } from './mcp-connection.js';
import { type ClientOptions, helpText, parseClientOptions, UsageError } from './options.js';
import {
  describeToken,
  formatCallResult,
  formatScopeRefusal,
  formatTools,
  formatWhoami,
} from './output.js';
import { TokenClient, TokenError } from './token-client.js';

/** Where the client writes: a person's lines and a script's JSON on `out`, notices on `err`. */
export interface ClientIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Exit codes, as `--help` documents them. */
export const ExitCode = { Done: 0, Failed: 1, Usage: 2, ScopeDenied: 3, Unauthorized: 4 } as const;

async function execute(options: ClientOptions, io: ClientIo): Promise<number> {
  if (!options.server) throw new UsageError('give --server (or --casdoor)');
  if (!options.clientId || !options.clientSecret)
    throw new UsageError('give --client-id and the secret in MCP_CLIENT_SECRET');
  const tokens = new TokenClient({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    scopes: options.scopes,
    // The official SDK's DPoP support: a fresh ES256 key for this run, never written anywhere.
    dpop: options.dpop ? await DpopSession.create() : undefined,
  });
  tokens.endpoint = options.tokenUrl;
  const connection = await connectToMcpServer({
    server: options.server,
    tokens,
    resource: options.resource,
    stepUp: options.stepUp,
    onNotice: (message) => io.err(`client: ${message}`),
  });
  try {
    if (options.command === 'tools') {
      const tools = await connection.listTools();
      io.out(options.json ? JSON.stringify({ tools }, null, 2) : formatTools(tools));
      return ExitCode.Done;
    }
    if (options.command === 'call') {
      const result = await connection.callTool(options.toolName!, options.args);
      io.out(options.json ? JSON.stringify(result, null, 2) : formatCallResult(result));
      return result.isError ? ExitCode.Failed : ExitCode.Done;
    }
    const token = await tokens.token();
    io.out(options.json ? JSON.stringify(describeToken(token), null, 2) : formatWhoami(token));
    return ExitCode.Done;
  } finally {
    await connection.close();
  }
}

/**
 * Runs one command of the client and returns its exit code. Failures are explained in plain
 * words (or JSON with `--json`); the client secret and the tokens are never printed, except
 * the decoded claims `whoami` shows on purpose.
 */
export async function runClient(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: ClientIo,
): Promise<number> {
  let options: ClientOptions;
  try {
    options = parseClientOptions(argv, env);
  } catch (error) {
    io.err(`client: ${(error as Error).message} (see --help)`);
    return ExitCode.Usage;
  }
  if (options.help) {
    io.out(helpText());
    return ExitCode.Done;
  }
  const fail = (code: number, kind: string, message: string, details?: unknown) => {
    if (options.json)
      io.out(
        JSON.stringify(
          { error: { kind, message, ...(details !== undefined && { details }) } },
          null,
          2,
        ),
      );
    else io.err(message);
    return code;
  };
  try {
    return await execute(options, io);
  } catch (error) {
    if (error instanceof UsageError)
      return fail(ExitCode.Usage, 'usage', `client: ${error.message} (see --help)`);
    if (error instanceof ScopeDeniedError)
      return fail(
        ExitCode.ScopeDenied,
        'insufficient_scope',
        formatScopeRefusal(error.refusal),
        error.refusal,
      );
    if (error instanceof UnauthorizedError)
      return fail(ExitCode.Unauthorized, 'unauthorized', `Not authorized: ${error.refusal.reason}`);
    if (error instanceof TokenError)
      return fail(ExitCode.Unauthorized, 'token', `Could not get a token: ${error.message}`);
    return fail(ExitCode.Failed, 'failed', `client: ${(error as Error).message}`);
  }
}
