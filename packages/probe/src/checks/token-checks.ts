import { expectUnauthorized } from '../challenge-of.js';
import type { CheckDefinition } from '../check-definition.js';
import { fail, notApplicable, pass, type Verdict } from '../check-result.js';
import { CLAUSES, cite } from '../clauses.js';
import { mcpRequest } from '../mcp-messages.js';
import type { ProbeContext } from '../probe-context.js';

/** `tools/list` with `token`, which must be refused with 401 `invalid_token`. */
async function refusedToken(
  ctx: ProbeContext,
  token: string | undefined,
  flag: string,
): Promise<Verdict> {
  if (!token) return notApplicable(`no such token given or obtainable (${flag})`);
  return expectUnauthorized(
    await ctx.mcp({ method: 'tools/list', authorization: `Bearer ${token}` }),
    true,
  );
}

/** Token hygiene visible from outside: what is accepted, what is refused, what is never echoed. */
export const tokenChecks: CheckDefinition[] = [
  {
    id: 'token.accepted',
    title: 'The given token is accepted',
    sends: '`tools/list` with the token',
    expects: '200 with a tool list',
    clause: cite(CLAUSES.bearerChallenge, CLAUSES.mcp2025),
    async run(ctx) {
      const token = ctx.tokens.token ?? ctx.tokens.broadToken;
      if (!token)
        return notApplicable(
          'no token given or obtained (--token, or --client-id and --client-secret)',
        );
      const { tools, exchange } = await ctx.tools(token);
      return tools
        ? pass(`listed ${tools.length} tools`, exchange.evidence)
        : fail(
            `answered ${exchange.status ?? exchange.evidence.error} without a tool list`,
            exchange.evidence,
          );
    },
  },
  {
    id: 'token.foreign-audience',
    title: 'A token for another resource is refused',
    sends: '`tools/list` with a token whose audience is another resource',
    expects: '401 with `error="invalid_token"`',
    clause: cite(
      CLAUSES.audience,
      CLAUSES.mcp2025,
      'MCP authorization 2025-11-25 (Token Audience Binding and Validation)',
    ),
    run: (ctx) =>
      refusedToken(
        ctx,
        ctx.tokens.foreignToken,
        '--foreign-token, or client credentials the authorization server issues for another resource',
      ),
  },
  {
    id: 'token.id-token',
    title: 'An ID token is refused as an access token',
    sends: '`tools/list` with an OpenID Connect ID token',
    expects: '401 with `error="invalid_token"`',
    clause: cite('RFC 9068 §4', 'OpenID Connect Core 1.0 §2', CLAUSES.mcp2025),
    run: (ctx) => refusedToken(ctx, ctx.tokens.idToken, '--id-token'),
  },
  {
    id: 'token.query-refused',
    title: 'A token in the query string is not accepted',
    sends: '`tools/list` with the token as `?access_token=` and no `Authorization`',
    expects: '400 or 401: tokens never travel in URLs',
    clause: cite('RFC 6750 §2.3', 'MCP authorization 2025-11-25 (Access Token Usage)'),
    async run(ctx) {
      const token = await ctx.workingToken();
      if (!token) return notApplicable('no token the server accepts');
      const era = (await ctx.eras()).primary;
      const request = mcpRequest(ctx.endpoint, { method: 'tools/list', era });
      const url = new URL(ctx.endpoint);
      url.searchParams.set('access_token', token);
      const exchange = await ctx.http.send({ ...request, url });
      return exchange.status === 400 || exchange.status === 401
        ? pass(`refused with ${exchange.status}`, exchange.evidence)
        : fail(
            `answered ${exchange.status ?? exchange.evidence.error}: a query-string token was not refused`,
            exchange.evidence,
          );
    },
  },
];

/** Runs last: no answer so far may contain a token or secret the probe sent. */
export const notEchoedCheck: CheckDefinition = {
  id: 'token.not-echoed',
  title: 'No answer echoes a token',
  sends: 'nothing more: looks through every answer of the run',
  expects: 'no token, proof or secret the probe sent appears in any answer header or body',
  clause: cite('RFC 6750 §5.3', 'MCP security best practices (Token Passthrough)'),
  async run(ctx) {
    const leaking = ctx.http.exchanges.filter(
      (exchange) =>
        (!exchange.tokenRequest && ctx.redactor.leaks(exchange.body)) ||
        ctx.redactor.leaks(JSON.stringify(exchange.headers)),
    );
    if (ctx.http.exchanges.length === 0) return notApplicable('no answers to look through');
    return leaking.length === 0
      ? pass(`none of ${ctx.http.exchanges.length} answers contains a credential`)
      : fail(
          `${leaking.length} answers contain a credential the probe sent (shown redacted)`,
          ...leaking.map((exchange) => exchange.evidence),
        );
  },
};
