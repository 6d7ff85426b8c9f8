import { randomBytes } from 'node:crypto';
import {
  createRequestStateCodec,
  ProtocolErrorCode,
  type ServerContext as SdkServerContext,
} from '@modelcontextprotocol/server';
import type { AuditTargetKind } from './audit.js';
import { type AuthInfo, identityKey } from './auth-info.js';
import type { ReplayCache } from './dpop-replay-cache.js';
import { JsonRpcError } from './json-rpc-error.js';

/** Options for {@link createRequestStates}. */
export interface RequestStatesOptions {
  /** The HMAC key (at least 32 bytes). */
  key: Uint8Array | string;
  /** Seconds a sealed state stays valid. */
  ttlSeconds: number;
  /**
   * Remembers the states already used, so each is accepted once. Shared by every instance
   * (Redis) when the key is: a state used on one instance is then refused on all.
   */
  replayCache: ReplayCache;
  /** The identity of the request being served. */
  authOf(ctx: SdkServerContext): AuthInfo | undefined;
}

/** What a sealed `requestState` carries besides the handler's value. */
interface Sealed {
  /** The handler's value. */
  v: unknown;
  /** The tool, resource or prompt it was issued for: `tool:write_file`. */
  t: string;
  /** A random id, remembered once used. */
  n: string;
  /** When it expires, in milliseconds since the epoch. */
  e: number;
}

/**
 * The `requestState` of multi round-trip (`input_required`) results: sealed (HMAC), bound to
 * the method and the caller (checked by the SDK's `verify` hook before any handler runs),
 * bound to the tool, resource or prompt it was issued for, and accepted once.
 */
export interface RequestStates {
  /** The SDK's `requestState.verify` hook: seal, expiry, method and caller. */
  verify(state: string, ctx: SdkServerContext): Promise<unknown>;
  /** Seals `value` for a retry of this request against `kind` `target`. */
  mint(
    value: unknown,
    ctx: SdkServerContext,
    kind: AuditTargetKind,
    target: string,
  ): Promise<string>;
  /**
   * The value sealed in the request's state (`undefined` without one), after checking that it
   * was issued for `kind` `target` and was never used before; refused with `-32602` otherwise.
   */
  claim(ctx: SdkServerContext, kind: AuditTargetKind, target: string): Promise<unknown>;
}

const invalidState = (reason: string) =>
  new JsonRpcError(ProtocolErrorCode.InvalidParams, 'Invalid or expired requestState', {
    reason: 'invalid_request_state',
    detail: reason,
  });

/** Creates the sealing of {@link RequestStates}, once per server. */
export function createRequestStates(options: RequestStatesOptions): RequestStates {
  const codec = createRequestStateCodec({
    key: options.key,
    ttlSeconds: options.ttlSeconds,
    bind: (ctx) => {
      const auth = options.authOf(ctx);
      return `${ctx.mcpReq.method}\0${auth ? identityKey(auth) : ''}`;
    },
  });
  return {
    verify: (state, ctx) => codec.verify(state, ctx),
    mint(value, ctx, kind, target) {
      const sealed: Sealed = {
        v: value,
        t: `${kind}:${target}`,
        n: randomBytes(16).toString('base64url'),
        e: Date.now() + options.ttlSeconds * 1000,
      };
      return codec.mint(sealed, ctx);
    },
    async claim(ctx, kind, target) {
      const sealed = ctx.mcpReq.requestState() as Sealed | undefined;
      if (sealed === undefined) return undefined;
      if (sealed.t !== `${kind}:${target}`) throw invalidState(`it was issued for another ${kind}`);
      let first: boolean;
      try {
        first = await options.replayCache.use(`request-state:${sealed.n}`, sealed.e);
      } catch {
        // A full or unreachable store can neither accept nor refuse: fail closed.
        throw new JsonRpcError(
          ProtocolErrorCode.InternalError,
          'the requestState cannot be checked now; try again shortly',
        );
      }
      if (!first) throw invalidState('it was already used');
      return sealed.v;
    },
  };
}
