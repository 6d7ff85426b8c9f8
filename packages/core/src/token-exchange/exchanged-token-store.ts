import { LruCache } from '../lru-cache.js';

/** An exchanged token as remembered: what the token endpoint answered, nothing about the caller. */
export interface ExchangedTokenRecord {
  accessToken: string;
  /** `Bearer` or `DPoP`. */
  tokenType: string;
  /** The granted scopes, space-separated. */
  scope: string;
  /** Expiry in seconds since the epoch. */
  expiresAt: number;
  /** RFC 8693 `issued_token_type`, when the server said. */
  issuedTokenType?: string;
}

/**
 * Where exchanged tokens are kept until shortly before they expire. Keys are SHA-256 hashes
 * (of the caller's identity, the target and the scopes), never a token. The default is a
 * bounded in-process cache; `@portcullis/redis`'s `createRedisExchangedTokenStore` shares one
 * between instances.
 */
export interface ExchangedTokenStore {
  /** The record under `key`, if still usable. */
  get(key: string): Promise<ExchangedTokenRecord | undefined> | ExchangedTokenRecord | undefined;
  /** Keeps `record` under `key` until `expiresAtMs` (milliseconds since the epoch). */
  set(key: string, record: ExchangedTokenRecord, expiresAtMs: number): Promise<void> | void;
}

/** Options for {@link createMemoryExchangedTokenStore}. */
export interface MemoryExchangedTokenStoreOptions {
  /** Most tokens kept; the least recently used goes first. Default 10 000. */
  maxEntries?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/** A bounded in-process {@link ExchangedTokenStore} (least recently used first out). */
export function createMemoryExchangedTokenStore(
  options: MemoryExchangedTokenStoreOptions = {},
): ExchangedTokenStore {
  const cache = new LruCache<ExchangedTokenRecord>(options.maxEntries ?? 10_000);
  const now = options.now ?? Date.now;
  return {
    get: (key) => cache.get(key, now()),
    set: (key, record, expiresAtMs) => cache.set(key, record, expiresAtMs),
  };
}
