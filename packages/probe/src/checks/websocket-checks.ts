import { challengeOf } from '../challenge-of.js';
import type { CheckDefinition } from '../check-definition.js';
import { fail, notApplicable, pass } from '../check-result.js';
import { CLAUSES, cite } from '../clauses.js';
import type { ProbeContext } from '../probe-context.js';
import { FOREIGN_ORIGIN } from './transport-checks.js';

/** A WebSocket upgrade to the `--websocket` endpoint (subprotocol `mcp`). */
function upgrade(ctx: ProbeContext, headers: Record<string, string>) {
  const url = new URL(ctx.websocket!);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return ctx.http.send({
    method: 'GET',
    url,
    headers: { 'sec-websocket-protocol': 'mcp', ...headers },
    upgrade: true,
  });
}

/** The WebSocket endpoint's admission, where there is one (`--websocket`). */
export const websocketChecks: CheckDefinition[] = [
  {
    id: 'websocket.no-token',
    title: 'A WebSocket upgrade without a token is refused with 401 and a challenge',
    sends: 'a WebSocket upgrade without `Authorization`',
    expects: '401 with `WWW-Authenticate: Bearer` (or `DPoP`), no 101',
    clause: cite(CLAUSES.bearerChallenge, CLAUSES.resourceMetadataParameter, CLAUSES.mcp2025),
    async run(ctx) {
      if (!ctx.websocket) return notApplicable('no WebSocket endpoint given (--websocket)');
      const exchange = await upgrade(ctx, {});
      const challenge = challengeOf(exchange.headers);
      if (exchange.status === 401 && challenge)
        return pass(`401 with a ${challenge.scheme} challenge at the upgrade`, exchange.evidence);
      return fail(
        exchange.status === 101
          ? 'the upgrade was accepted without a token'
          : `answered ${exchange.status ?? exchange.evidence.error}`,
        exchange.evidence,
      );
    },
  },
  {
    id: 'websocket.origin',
    title: 'A WebSocket upgrade from a foreign Origin is refused (cross-site WebSocket hijacking)',
    sends: 'a WebSocket upgrade with the token and `Origin: https://portcullis-probe.invalid`',
    expects: '403, no 101',
    clause: cite(CLAUSES.transports2025, 'RFC 6455 §10.2'),
    async run(ctx) {
      if (!ctx.websocket) return notApplicable('no WebSocket endpoint given (--websocket)');
      const token = await ctx.workingToken();
      if (!token)
        return notApplicable(
          'needs a token: without one the upgrade is refused before its Origin matters',
        );
      const exchange = await upgrade(ctx, {
        authorization: `Bearer ${token}`,
        origin: FOREIGN_ORIGIN,
      });
      return exchange.status === 403
        ? pass('refused with 403', exchange.evidence)
        : fail(
            exchange.status === 101
              ? 'the upgrade from a foreign origin was accepted'
              : `answered ${exchange.status ?? exchange.evidence.error}, not 403`,
            exchange.evidence,
          );
    },
  },
];
