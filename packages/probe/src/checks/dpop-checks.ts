import type { CheckDefinition } from '../check-definition.js';
import { fail, notApplicable, pass, type Verdict } from '../check-result.js';
import { CLAUSES, cite } from '../clauses.js';
import { dpopProof } from '../dpop-proof.js';
import type { McpExchange, ProbeContext } from '../probe-context.js';

/** Whether the metadata advertises DPoP (RFC 9449 §5.1 fields in RFC 9728 metadata). */
async function advertised(ctx: ProbeContext): Promise<boolean> {
  const document = (await ctx.metadata()).found?.document;
  const algs = document?.dpop_signing_alg_values_supported;
  return (
    document?.dpop_bound_access_tokens_required === true || (Array.isArray(algs) && algs.length > 0)
  );
}

/** Why a DPoP check does not apply, or `undefined` when it does. */
async function notApplying(ctx: ProbeContext): Promise<Verdict | undefined> {
  if (!(await advertised(ctx))) return notApplicable('the metadata does not advertise DPoP');
  if (!ctx.tokens.dpop)
    return notApplicable(
      'no DPoP-bound token: pass --client-id and --client-secret so the probe can get one',
    );
  return undefined;
}

const refused = (exchange: McpExchange) => exchange.status === 400 || exchange.status === 401;

/**
 * `tools/list` with the bound token and a proof for `url` (default the endpoint); retries
 * once with the server's `DPoP-Nonce` when it asks for one (RFC 9449 §8). Returns the last
 * exchange and the proof it carried.
 */
async function withProof(ctx: ProbeContext, options: { url?: URL; proof?: string } = {}) {
  const bound = ctx.tokens.dpop!;
  let nonce: string | undefined;
  let last: { exchange: McpExchange; proof: string } | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const proof =
      options.proof ??
      (await dpopProof(bound.key, {
        method: 'POST',
        url: options.url ?? ctx.endpoint,
        accessToken: bound.token,
        nonce,
      }));
    const exchange = await ctx.mcp({
      method: 'tools/list',
      authorization: `DPoP ${bound.token}`,
      headers: { dpop: proof },
    });
    last = { exchange, proof };
    nonce = exchange.headers['dpop-nonce'];
    if (
      exchange.status !== 401 ||
      !nonce ||
      !/use_dpop_nonce/.test(exchange.headers['www-authenticate'] ?? '') ||
      options.proof
    )
      break;
  }
  return last!;
}

/** DPoP checks, where the metadata advertises DPoP (RFC 9449). */
export const dpopChecks: CheckDefinition[] = [
  {
    id: 'dpop.proof-required',
    title: 'A DPoP-bound token without a proof is refused',
    sends: '`tools/list` with the bound token as `DPoP` without a `DPoP` header, then as `Bearer`',
    expects: '401 (or 400) both times',
    clause: cite(CLAUSES.dpopBound, CLAUSES.mcp2026),
    async run(ctx) {
      const skip = await notApplying(ctx);
      if (skip) return skip;
      const token = ctx.tokens.dpop!.token;
      const asDpop = await ctx.mcp({ method: 'tools/list', authorization: `DPoP ${token}` });
      const asBearer = await ctx.mcp({ method: 'tools/list', authorization: `Bearer ${token}` });
      if (!refused(asDpop))
        return fail(
          `without a proof the bound token was answered ${asDpop.status}`,
          asDpop.evidence,
          asBearer.evidence,
        );
      if (!refused(asBearer))
        return fail(
          `as a Bearer token the bound token was answered ${asBearer.status}`,
          asDpop.evidence,
          asBearer.evidence,
        );
      return pass(
        `refused without a proof (${asDpop.status}) and as Bearer (${asBearer.status})`,
        asDpop.evidence,
        asBearer.evidence,
      );
    },
  },
  {
    id: 'dpop.replay',
    title: 'A replayed DPoP proof is refused',
    sends: '`tools/list` with the bound token and a fresh proof, then the same proof again',
    expects: 'the first answered 200, the replay 401 (or 400)',
    clause: cite(CLAUSES.dpopReplay, CLAUSES.mcp2026),
    async run(ctx) {
      const skip = await notApplying(ctx);
      if (skip) return skip;
      const first = await withProof(ctx);
      if (first.exchange.status !== 200)
        return notApplicable(
          `a fresh proof was answered ${first.exchange.status}, so a replay tells nothing`,
          first.exchange.evidence,
        );
      const replay = await withProof(ctx, { proof: first.proof });
      return refused(replay.exchange)
        ? pass(
            `the replayed proof was refused with ${replay.exchange.status}`,
            first.exchange.evidence,
            replay.exchange.evidence,
          )
        : fail(
            `the replayed proof was answered ${replay.exchange.status}`,
            first.exchange.evidence,
            replay.exchange.evidence,
          );
    },
  },
  {
    id: 'dpop.wrong-url',
    title: 'A DPoP proof for another URL is refused',
    sends:
      '`tools/list` with the bound token and a proof whose `htu` is another path on the same origin',
    expects: '401 (or 400)',
    clause: cite(CLAUSES.dpopHtu, CLAUSES.mcp2026),
    async run(ctx) {
      const skip = await notApplying(ctx);
      if (skip) return skip;
      const elsewhere = new URL('/portcullis-probe/elsewhere', ctx.endpoint);
      const { exchange } = await withProof(ctx, { url: elsewhere });
      return refused(exchange)
        ? pass(
            `a proof for ${elsewhere.href} was refused with ${exchange.status}`,
            exchange.evidence,
          )
        : fail(`a proof for ${elsewhere.href} was answered ${exchange.status}`, exchange.evidence);
    },
  },
];
