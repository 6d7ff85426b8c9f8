import { randomBytes } from 'node:crypto';
import { challengeOf, expectUnauthorized } from '../challenge-of.js';
import type { CheckDefinition } from '../check-definition.js';
import { fail, notApplicable, pass } from '../check-result.js';
import { CLAUSES, cite } from '../clauses.js';
import { ABSENT_TOOL } from '../mcp-messages.js';
import type { McpExchange, ProbeContext } from '../probe-context.js';
import { fetchJson } from '../resource-metadata.js';

const unauthenticatedCalls = new WeakMap<ProbeContext, Promise<McpExchange>>();

/** A `tools/call` of a tool no server has, without a token (sent once per run). */
function unauthenticatedCall(ctx: ProbeContext): Promise<McpExchange> {
  let call = unauthenticatedCalls.get(ctx);
  if (!call) {
    call = ctx.mcp({ method: 'tools/call', params: { name: ABSENT_TOOL, arguments: {} } });
    unauthenticatedCalls.set(ctx, call);
  }
  return call;
}

/** The challenge checks: what a request without a valid token gets. */
export const challengeChecks: CheckDefinition[] = [
  {
    id: 'challenge.no-token',
    title: 'A call without a token is refused with 401 and a challenge',
    sends: '`tools/call` (of a tool no server has) without `Authorization`',
    expects: '401 with `WWW-Authenticate: Bearer` (or `DPoP`); not 200 with `-32001`, not a result',
    clause: cite(CLAUSES.bearerChallenge, CLAUSES.mcp2025, CLAUSES.mcp2026),
    run: async (ctx) => expectUnauthorized(await unauthenticatedCall(ctx), false),
  },
  {
    id: 'challenge.resource-metadata',
    title: 'The 401 challenge points to the protected resource metadata',
    sends: 'the request of `challenge.no-token`, then GET of its `resource_metadata` URL',
    expects: '`resource_metadata` is an absolute URL that answers a JSON metadata document',
    clause: cite(CLAUSES.resourceMetadataParameter, CLAUSES.mcp2025, CLAUSES.mcp2026),
    async run(ctx) {
      const refused = await unauthenticatedCall(ctx);
      if (refused.status !== 401)
        return notApplicable('the request without a token was not answered 401', refused.evidence);
      const url = challengeOf(refused.headers)?.params.resource_metadata;
      if (!url) return fail('the challenge has no resource_metadata parameter', refused.evidence);
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
        return fail(`resource_metadata is not an absolute http(s) URL: ${url}`, refused.evidence);
      const fetched = await fetchJson(ctx.http, url);
      return fetched.document
        ? pass(
            `resource_metadata names ${url}, which answers a metadata document`,
            refused.evidence,
            fetched.exchange.evidence,
          )
        : fail(
            `resource_metadata names ${url}, which answers no JSON document`,
            refused.evidence,
            fetched.exchange.evidence,
          );
    },
  },
  {
    id: 'challenge.no-token-list',
    title: 'Listing tools without a token is refused',
    sends: '`tools/list` without `Authorization`',
    expects: '401 with a challenge: nothing about the server is shown to an anonymous caller',
    clause: cite(CLAUSES.bearerChallenge, CLAUSES.mcp2025, CLAUSES.mcp2026),
    run: async (ctx) => expectUnauthorized(await ctx.mcp({ method: 'tools/list' }), false),
  },
  {
    id: 'challenge.malformed-token',
    title: 'A malformed token is refused as invalid_token',
    sends: '`tools/list` with `Authorization: Bearer <random text>`',
    expects: '401 with `error="invalid_token"`',
    clause: cite(CLAUSES.invalidToken, CLAUSES.mcp2025),
    async run(ctx) {
      const token = `probe-malformed-${randomBytes(12).toString('hex')}`;
      ctx.redactor.add(token);
      return expectUnauthorized(
        await ctx.mcp({ method: 'tools/list', authorization: `Bearer ${token}` }),
        true,
      );
    },
  },
  {
    id: 'challenge.expired-token',
    title: 'An expired token is refused as invalid_token',
    sends: '`tools/list` with the `--expired-token`',
    expects: '401 with `error="invalid_token"`',
    clause: cite(CLAUSES.invalidToken, CLAUSES.mcp2025),
    async run(ctx) {
      const token = ctx.tokens.expiredToken;
      if (!token) return notApplicable('no expired token given (--expired-token)');
      return expectUnauthorized(
        await ctx.mcp({ method: 'tools/list', authorization: `Bearer ${token}` }),
        true,
      );
    },
  },
];
