/**
 * Remembers which DPoP proof ids (`jti`) were already used, so that each proof is accepted once
 * (RFC 9449 §11.1). A store shared by every instance behind a load balancer (Redis `SET NX PX`,
 * say) implements the same interface; with a per-process store, a proof can be replayed once
 * against each other instance within the proof window.
 */
export interface ReplayCache {
  /**
   * Records `id` as used until `expiresAt` (milliseconds since the epoch). Resolves `true` the
   * first time an id is seen within its lifetime, `false` for a replay. Must be atomic: of two
   * concurrent calls with one id, exactly one resolves `true`. Throws (or rejects) when it can
   * neither record nor refuse, e.g. a full or unreachable store: the proof is then refused.
   */
  use(id: string, expiresAt: number): boolean | Promise<boolean>;
}

/** Options for {@link createMemoryReplayCache}. */
export interface MemoryReplayCacheOptions {
  /**
   * Most ids remembered at once. When every slot holds an id still within its lifetime, new
   * proofs are refused (fail closed, `unavailable`) rather than forgetting an id that could then
   * be replayed. Default 100 000: about 1,600 proofs a second with a 60 s window.
   */
  maxEntries?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/** Thrown by a {@link ReplayCache} that can neither record nor refuse an id. */
export class ReplayCacheFullError extends Error {
  override readonly name = 'ReplayCacheFullError';
}

/**
 * A bounded, in-process {@link ReplayCache}. Ids leave it when their lifetime ends (swept as
 * new ones arrive, oldest first); it never forgets a live id to make room.
 */
export function createMemoryReplayCache(options: MemoryReplayCacheOptions = {}): ReplayCache {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!(maxEntries >= 1)) throw new RangeError('a replay cache needs room for at least one id');
  const now = options.now ?? Date.now;
  /** id → expiry; insertion order is close to expiry order, as lifetimes are all alike. */
  const entries = new Map<string, number>();

  const sweep = (at: number, all: boolean) => {
    for (const [id, expiresAt] of entries) {
      if (expiresAt <= at) entries.delete(id);
      else if (!all) return;
    }
  };

  return {
    use(id, expiresAt) {
      const at = now();
      sweep(at, false);
      const known = entries.get(id);
      if (known !== undefined && known > at) return false;
      if (entries.size >= maxEntries) {
        sweep(at, true);
        if (entries.size >= maxEntries)
          throw new ReplayCacheFullError(
            `the DPoP replay cache holds ${maxEntries} live proof ids; refusing new proofs`,
          );
      }
      entries.delete(id);
      entries.set(id, expiresAt);
      return true;
    },
  };
}
