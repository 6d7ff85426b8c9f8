import { CHECK_IDS, CHECKS } from './catalogue.js';
import type { CheckResult } from './check-result.js';
import { type ClientCredentials, requestToken } from './client-credentials.js';
import { createDpopKey } from './dpop-proof.js';
import {
  createProbeContext,
  type EraReport,
  type ProbeContext,
  type ProbeTokens,
} from './probe-context.js';
import { createProbeHttp } from './probe-http.js';
import { createRedactor } from './redact.js';

/** Options of {@link runProbe}. */
export interface ProbeOptions {
  /** The MCP endpoint (Streamable HTTP), e.g. `https://mcp.example.com/mcp`. */
  url: string;
  /** The WebSocket endpoint, when the server has one. */
  websocket?: string;
  /** Tokens given by the user; see {@link ProbeTokens}. */
  tokens?: Omit<ProbeTokens, 'dpop'>;
  /** A client to get tokens with (client credentials), with the scopes of the narrow and broad token. */
  client?: ClientCredentials & { scope?: string; broadScope?: string };
  /** Run only these check ids. */
  only?: readonly string[];
  /** Skip these check ids. */
  skip?: readonly string[];
  /** Allow calls of tools that may write (see `scope.insufficient-scope`). Default false. */
  allowWrites?: boolean;
  /** The most requests one run sends. Default 100. */
  maxRequests?: number;
  /** How long to wait for each answer, in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** The `Content-Length` the oversized-body check declares. Default 32 MiB. */
  oversizedBytes?: number;
}

/** What a run found. */
export interface ProbeReport {
  target: string;
  websocket?: string;
  eras: EraReport;
  results: CheckResult[];
  /** How many requests were sent. */
  requests: number;
  /** True when every applicable check passed. */
  ok: boolean;
}

/** Which checks to run; throws on an id the catalogue does not have. */
function selectChecks(only: readonly string[] = [], skip: readonly string[] = []) {
  for (const id of [...only, ...skip])
    if (!CHECK_IDS.includes(id))
      throw new Error(`unknown check id ${id} (known: ${CHECK_IDS.join(', ')})`);
  return CHECKS.filter(
    (check) => (only.length === 0 || only.includes(check.id)) && !skip.includes(check.id),
  );
}

/** A resource no authorization server should issue this client's tokens for. */
const FOREIGN_RESOURCE = 'https://portcullis-probe.invalid/mcp';

/** Gets the tokens the user did not give, when a client is given. */
async function obtainTokens(ctx: ProbeContext, client: NonNullable<ProbeOptions['client']>) {
  const tokens = ctx.tokens;
  tokens.token ??= await requestToken(ctx, client, { scope: client.scope });
  if (client.broadScope)
    tokens.broadToken ??= await requestToken(ctx, client, { scope: client.broadScope });
  tokens.foreignToken ??= await requestToken(ctx, client, {
    scope: client.scope,
    resource: FOREIGN_RESOURCE,
  });
  const document = (await ctx.metadata()).found?.document;
  if (document?.dpop_signing_alg_values_supported || document?.dpop_bound_access_tokens_required) {
    const key = await createDpopKey();
    const token = await requestToken(ctx, client, {
      scope: client.broadScope ?? client.scope,
      dpop: key,
    });
    if (token) tokens.dpop = { token, key };
  }
}

/**
 * Examines a live MCP server's authorization from the outside and reports each check as pass,
 * fail or not applicable, with the evidence (tokens redacted) and the clause it rests on.
 * Sends at most `maxRequests` requests; calls no tool that may write unless `allowWrites`.
 */
export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const checks = selectChecks(options.only, options.skip);
  const endpoint = new URL(options.url);
  const redactor = createRedactor();
  const tokens: ProbeTokens = { ...options.tokens };
  for (const value of Object.values(tokens)) redactor.add(value as string | undefined);
  redactor.add(options.client?.clientSecret);
  const http = createProbeHttp({
    maxRequests: options.maxRequests ?? 100,
    timeoutMs: options.timeoutMs ?? 10_000,
    redactor,
  });
  const ctx = createProbeContext({
    endpoint,
    websocket: options.websocket ? new URL(options.websocket) : undefined,
    tokens,
    allowWrites: options.allowWrites ?? false,
    oversizedBytes: options.oversizedBytes ?? 32 << 20,
    http,
    redactor,
  });
  if (options.client) await obtainTokens(ctx, options.client);

  const results: CheckResult[] = [];
  for (const check of checks) {
    const verdict = await check.run(ctx).catch((error: Error) => ({
      status: 'fail' as const,
      summary: `the check could not finish: ${redactor.text(error.message)}`,
      evidence: [],
    }));
    results.push({ id: check.id, title: check.title, clause: check.clause, ...verdict });
  }
  return {
    target: endpoint.href,
    ...(options.websocket && { websocket: options.websocket }),
    eras: await ctx.eras().catch(() => ({ primary: 'modern' as const })),
    results,
    requests: http.sent,
    ok: results.every((result) => result.status !== 'fail'),
  };
}
