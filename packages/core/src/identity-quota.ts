/**
 * How many of one kind of thing (open listen streams, resource subscriptions) each identity
 * holds in this process, refused past a bound. Keys are {@link identityKey}s (`''` for callers
 * without identity, with authorization off), so one caller's share never touches another's.
 */
export interface IdentityQuota {
  /** The bound per identity. */
  readonly limit: number;
  /** Counts one more for `key` and returns `true`, or returns `false` (counting nothing) when at the bound. */
  take(key: string): boolean;
  /** Gives one back for `key`. */
  give(key: string): void;
  /** How many `key` holds now. */
  held(key: string): number;
}

/** Creates an {@link IdentityQuota} of `limit` per identity (at least 1). */
export function createIdentityQuota(limit: number): IdentityQuota {
  if (!(Number.isSafeInteger(limit) && limit >= 1))
    throw new RangeError(`a per-identity limit must be a positive integer (got ${limit})`);
  const counts = new Map<string, number>();
  return {
    limit,
    take(key) {
      const count = counts.get(key) ?? 0;
      if (count >= limit) return false;
      counts.set(key, count + 1);
      return true;
    },
    give(key) {
      const count = counts.get(key) ?? 0;
      if (count <= 1) counts.delete(key);
      else counts.set(key, count - 1);
    },
    held: (key) => counts.get(key) ?? 0,
  };
}
