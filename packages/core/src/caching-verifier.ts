import type { AuthInfo } from './auth-info.js';
import { LruCache } from './lru-cache.js';
import { observeTokenCacheMiss, recordTokenCacheHit } from './telemetry/auth-spans.js';
import { tokenHash } from './token-hash.js';
import type { TokenVerifier } from './token-verifier.js';

/** Options for {@link createCachingVerifier}. */
export interface CachingVerifierOptions {
  /** Most tokens remembered. Default 10 000. */
  maxEntries?: number;
  /**
   * Longest a verification is reused, in seconds, even when the token lives longer; bounds how
   * long a token keeps working after its key is withdrawn. Default 300.
   */
  maxAgeSeconds?: number;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/**
 * Wraps a verifier so that a token already verified is not verified again until it expires,
 * as a busy session would otherwise pay a signature check per request.
 *
 * The cache is keyed by a SHA-256 of the token and bounded (least recently used first). An
 * entry is never served at or after the token's `exp`: from then on the wrapped verifier
 * decides again. Concurrent first uses of one token share a single verification. Failures
 * are not cached.
 */
export function createCachingVerifier(
  verifier: TokenVerifier,
  options: CachingVerifierOptions = {},
): TokenVerifier {
  const cache = new LruCache<AuthInfo>(options.maxEntries ?? 10_000);
  const maxAgeMs = (options.maxAgeSeconds ?? 300) * 1000;
  const now = options.now ?? Date.now;
  const pending = new Map<string, Promise<AuthInfo>>();

  return {
    verify(token) {
      const key = tokenHash(token);
      const cached = cache.get(key, now());
      if (cached) {
        recordTokenCacheHit();
        return Promise.resolve(cached);
      }
      let verification = pending.get(key);
      if (!verification) {
        verification = observeTokenCacheMiss(() => verifier.verify(token)).then((auth) => {
          const verifiedAt = now();
          cache.set(key, auth, Math.min(auth.expiresAt * 1000, verifiedAt + maxAgeMs));
          return auth;
        });
        pending.set(key, verification);
        verification.finally(() => pending.delete(key)).catch(() => {});
      }
      return verification;
    },
  };
}
