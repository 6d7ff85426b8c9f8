import { challengeOf, isInBandAuthError } from '../challenge-of.js';
import type { CheckDefinition } from '../check-definition.js';
import { fail, notApplicable, pass } from '../check-result.js';
import { CLAUSES, cite } from '../clauses.js';
import type { ListedTool } from '../mcp-messages.js';
import type { McpExchange, ProbeContext } from '../probe-context.js';

/**
 * Whether the probe may call `tool` to see it refused: a read-only tool always; another only
 * with `--allow-writes`, or when it requires arguments (the call sends none, so even a server
 * that skipped the scope check would refuse the arguments rather than act).
 */
export function safeToCall(tool: ListedTool, allowWrites: boolean): boolean {
  if (allowWrites || tool.annotations?.readOnlyHint === true) return true;
  return Array.isArray(tool.inputSchema?.required) && tool.inputSchema.required.length > 0;
}

/** The listings of the narrow and broad tokens, when both are there and answer. */
async function bothListings(ctx: ProbeContext) {
  const { token, broadToken } = ctx.tokens;
  if (!token || !broadToken) return undefined;
  const narrow = await ctx.tools(token);
  const broad = await ctx.tools(broadToken);
  return { narrow, broad };
}

const NEEDS_TWO =
  'needs two tokens, one narrower than the other (--token and --broad-token, or --scope and --broad-scope)';

/** Scope checks: what a narrower token sees and may do. */
export const scopeChecks: CheckDefinition[] = [
  {
    id: 'scope.list-filtered',
    title: 'A narrower token sees fewer tools',
    sends: '`tools/list` with the narrow and the broad token',
    expects: 'the narrow listing is a strict subset of the broad one',
    clause: cite(
      CLAUSES.mcp2025,
      'MCP authorization 2025-11-25 (Scope Selection Strategy): least privilege',
    ),
    async run(ctx) {
      const listings = await bothListings(ctx);
      if (!listings) return notApplicable(NEEDS_TWO);
      const { narrow, broad } = listings;
      const evidence = [narrow.exchange.evidence, broad.exchange.evidence];
      if (!narrow.tools || !broad.tools)
        return notApplicable('a token was not answered a tool list', ...evidence);
      const broadNames = new Set(broad.tools.map((tool) => tool.name));
      const extra = narrow.tools.filter((tool) => !broadNames.has(tool.name));
      if (extra.length > 0)
        return fail(
          `the narrow token sees tools the broad one does not: ${extra.map((tool) => tool.name).join(', ')}`,
          ...evidence,
        );
      return narrow.tools.length < broad.tools.length
        ? pass(
            `${narrow.tools.length} of ${broad.tools.length} tools shown to the narrow token`,
            ...evidence,
          )
        : fail(
            `both tokens see the same ${broad.tools.length} tools: listings are not filtered by scope`,
            ...evidence,
          );
    },
  },
  {
    id: 'scope.insufficient-scope',
    title: "A call outside the token's scopes is refused with 403 insufficient_scope",
    sends:
      '`tools/call` with the narrow token, of a tool only the broad token lists (no arguments)',
    expects: '403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="<needed>"`',
    clause: cite(
      CLAUSES.insufficientScope,
      'MCP authorization 2025-11-25 (Scope Challenge Handling)',
      CLAUSES.mcp2026,
    ),
    async run(ctx) {
      const listings = await bothListings(ctx);
      if (!listings) return notApplicable(NEEDS_TWO);
      const { narrow, broad } = listings;
      if (!narrow.tools || !broad.tools)
        return notApplicable('a token was not answered a tool list');
      const narrowNames = new Set(narrow.tools.map((tool) => tool.name));
      const outside = broad.tools.filter((tool) => !narrowNames.has(tool.name));
      // Unfiltered listings do not say which tool needs more: try the tools that are not read-only.
      const candidates =
        outside.length > 0
          ? outside
          : broad.tools.filter((tool) => tool.annotations?.readOnlyHint !== true);
      const safe = candidates.filter((candidate) => safeToCall(candidate, ctx.allowWrites));
      if (safe.length === 0)
        return notApplicable(
          candidates.length === 0
            ? "no tool is outside the narrow token's scopes"
            : `only tools that may write are candidates (${candidates.map((t) => t.name).join(', ')}); pass --allow-writes`,
        );
      let exchange: McpExchange | undefined;
      let tool: ListedTool | undefined;
      for (tool of safe.slice(0, 3)) {
        exchange = await ctx.mcp({
          method: 'tools/call',
          params: { name: tool.name, arguments: {} },
          authorization: `Bearer ${ctx.tokens.token}`,
        });
        if (exchange.status === 403 || isInBandAuthError(exchange) || outside.length > 0) break;
      }
      if (!exchange || !tool) return notApplicable('no call was made');
      if (outside.length === 0 && exchange.status !== 403 && !isInBandAuthError(exchange))
        return notApplicable(
          `the listings are the same and no call was refused for its scope (last: ${tool.name}, ${exchange.status})`,
          exchange.evidence,
        );
      const challenge = challengeOf(exchange.headers);
      if (exchange.status === 403 && challenge?.params.error === 'insufficient_scope')
        return challenge.params.scope
          ? pass(
              `403 insufficient_scope for ${tool.name}, naming scope "${challenge.params.scope}"`,
              exchange.evidence,
            )
          : fail(
              `403 insufficient_scope for ${tool.name}, but the challenge names no scope`,
              exchange.evidence,
            );
      if (isInBandAuthError(exchange))
        return fail(
          `refused in-band (the -32001 dialect, HTTP 200: ${exchange.answer?.error?.message}), not 403 insufficient_scope`,
          exchange.evidence,
        );
      if (exchange.status === 403)
        return fail('403 without an insufficient_scope challenge', exchange.evidence);
      return fail(
        `answered ${exchange.status ?? exchange.evidence.error} to a call outside the token's scopes`,
        exchange.evidence,
      );
    },
  },
];
