import { isLoopbackHostname } from '@portcullis/core/adapter';
import type { CheckDefinition } from '../check-definition.js';
import { fail, notApplicable, pass } from '../check-result.js';
import { CLAUSES, cite } from '../clauses.js';
import { ABSENT_TOOL, mcpRequest } from '../mcp-messages.js';
import type { ProbeContext } from '../probe-context.js';

/** An origin no server trusts. */
export const FOREIGN_ORIGIN = 'https://portcullis-probe.invalid';

const bearer = async (ctx: ProbeContext) => {
  const token = await ctx.workingToken();
  return token ? `Bearer ${token}` : undefined;
};

/** Transport hygiene: Origin, Host, header/body agreement, body size. */
export const transportChecks: CheckDefinition[] = [
  {
    id: 'transport.origin',
    title: 'A request from a foreign Origin is refused',
    sends:
      '`tools/list` (with a token the server accepts, if any) and `Origin: https://portcullis-probe.invalid`',
    expects: '403',
    clause: cite(CLAUSES.transports2025, 'MCP transports 2026-07-28 (Security Warning)'),
    async run(ctx) {
      const exchange = await ctx.mcp({
        method: 'tools/list',
        authorization: await bearer(ctx),
        headers: { origin: FOREIGN_ORIGIN },
      });
      return exchange.status === 403
        ? pass('refused with 403', exchange.evidence)
        : fail(
            `answered ${exchange.status ?? exchange.evidence.error}, not 403`,
            exchange.evidence,
          );
    },
  },
  {
    id: 'transport.host',
    title: 'A request naming a foreign Host is refused (DNS rebinding)',
    sends:
      '`tools/list` (with a token the server accepts, if any) and `Host: portcullis-probe.invalid`',
    expects: '400, 403 or 421, for a server on a loopback address',
    clause: cite(CLAUSES.transports2025, 'RFC 9110 §7.4 (421 Misdirected Request)'),
    async run(ctx) {
      if (!isLoopbackHostname(ctx.endpoint.hostname))
        return notApplicable(
          'the server is not on a loopback address: DNS rebinding does not reach it, and proxies route by Host',
        );
      const exchange = await ctx.mcp({
        method: 'tools/list',
        authorization: await bearer(ctx),
        headers: { host: 'portcullis-probe.invalid' },
      });
      return exchange.status === 400 || exchange.status === 403 || exchange.status === 421
        ? pass(`refused with ${exchange.status}`, exchange.evidence)
        : fail(
            `answered ${exchange.status ?? exchange.evidence.error} to a foreign Host`,
            exchange.evidence,
          );
    },
  },
  {
    id: 'transport.header-mismatch',
    title: 'Mcp-Method disagreeing with the body is refused before the body is acted on',
    sends: '2026-07-28 POST with `Mcp-Method: tools/list` whose body is a `tools/call`',
    expects: '400 (`-32020` HeaderMismatch), not an answer to either method',
    clause: cite(CLAUSES.transports2026),
    async run(ctx) {
      const authorization = await bearer(ctx);
      if (!authorization)
        return notApplicable(
          'needs a token: without one the request is refused before its headers are compared',
        );
      if (!(await ctx.eras()).modern) return notApplicable('the server does not serve 2026-07-28');
      const request = mcpRequest(ctx.endpoint, {
        method: 'tools/call',
        params: { name: ABSENT_TOOL, arguments: {} },
        authorization,
        era: 'modern',
        headers: { 'mcp-method': 'tools/list' },
      });
      const exchange = await ctx.http.send(request);
      return exchange.status === 400
        ? pass('refused with 400', exchange.evidence)
        : fail(
            `answered ${exchange.status ?? exchange.evidence.error}: the headers were not held against the body`,
            exchange.evidence,
          );
    },
  },
  {
    id: 'transport.oversized-body',
    title: 'An oversized body is refused',
    sends:
      '`tools/list` with the token, declaring a `Content-Length` of 32 MiB (`--oversized-bytes`) and streaming padding until answered',
    expects: '413 (or the connection closed before the body is read)',
    clause: cite('RFC 9110 §15.5.14', CLAUSES.transports2025),
    async run(ctx) {
      const authorization = await bearer(ctx);
      if (!authorization)
        return notApplicable('needs a token: without one the body must not be read at all');
      const era = (await ctx.eras()).primary;
      const base = mcpRequest(ctx.endpoint, { method: 'tools/list', authorization, era });
      const exchange = await ctx.http.send({ ...base, declaredLength: ctx.oversizedBytes });
      if (exchange.status === 413) return pass('refused with 413', exchange.evidence);
      // A server that answers 413 and resets the connection at once can lose its answer on the way.
      if (exchange.status === undefined && exchange.closedAfter !== undefined)
        return pass(
          `the server closed the connection without an answer (${exchange.closedAfter} of ${ctx.oversizedBytes} bytes queued); a 413 sent just before a reset can be lost`,
          exchange.evidence,
        );
      return fail(
        `answered ${exchange.status ?? exchange.evidence.error}, not 413`,
        exchange.evidence,
      );
    },
  },
];
