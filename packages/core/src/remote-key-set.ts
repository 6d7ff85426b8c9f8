import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { AuthError, invalidToken } from './auth-error.js';
import { type FetchLike, fetchJson } from './fetch-json.js';
import { observeJwksFetch } from './telemetry/auth-spans.js';

/** Options for {@link createRemoteKeySet}. */
export interface RemoteKeySetOptions {
  /** Where the JWKS lives; a function resolves it lazily (e.g. through discovery). */
  jwksUri: string | URL | (() => Promise<string | URL>);
  /** Least time between two refetches caused by an unknown `kid`. Default 30 s. */
  cooldownMs?: number;
  /** Keys older than this are refreshed; if the refresh fails they are kept. Default 10 min. */
  maxAgeMs?: number;
  /**
   * How long keys are kept in use while they cannot be refreshed, counted from their last
   * successful fetch; past it, verification fails closed (`unavailable`) until the issuer is
   * reachable again. Default 1 hour; at least `maxAgeMs`.
   */
  maxStaleMs?: number;
  /** Deadline of one fetch. Default 5 s. */
  timeoutMs?: number;
  fetch?: FetchLike;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
  /** Called with each newly fetched key's RFC 7638 thumbprint and `kid`. */
  onKey?: (key: { kid: string | undefined; thumbprint: string }) => void;
  /** Called when a refresh fails while stale keys stay in use. */
  onStale?: (error: Error) => void;
}

/** A key ready for signature verification, as `jose` imports it. */
export type VerificationKey = Awaited<ReturnType<typeof importJWK>>;

/** One published key, imported lazily per algorithm. */
interface PublishedKey {
  jwk: JWK;
  thumbprint: string;
  imported: Map<string, Promise<VerificationKey>>;
}

/** The key a token selects, with its thumbprint for provenance checks. */
export interface SelectedKey {
  key: VerificationKey;
  thumbprint: string;
}

/** An issuer's signing keys, fetched from its JWKS and kept fresh. */
export interface RemoteKeySet {
  /** Selects the key for a token's `kid` and `alg`, fetching the JWKS when needed. */
  select(kid: string | undefined, alg: string): Promise<SelectedKey>;
}

const KEY_TYPE_OF_ALG: Record<string, (jwk: JWK) => boolean> = {
  RS: (jwk) => jwk.kty === 'RSA',
  PS: (jwk) => jwk.kty === 'RSA',
  ES256: (jwk) => jwk.kty === 'EC' && jwk.crv === 'P-256',
  ES384: (jwk) => jwk.kty === 'EC' && jwk.crv === 'P-384',
  ES512: (jwk) => jwk.kty === 'EC' && jwk.crv === 'P-521',
  EdDSA: (jwk) => jwk.kty === 'OKP' && jwk.crv === 'Ed25519',
  Ed25519: (jwk) => jwk.kty === 'OKP' && jwk.crv === 'Ed25519',
};

function fitsAlgorithm(jwk: JWK, alg: string): boolean {
  const check = KEY_TYPE_OF_ALG[alg] ?? KEY_TYPE_OF_ALG[alg.slice(0, 2)];
  return check?.(jwk) ?? false;
}

function isSigningKey(jwk: JWK): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return false;
  return typeof jwk.kty === 'string';
}

/**
 * Creates a cache of an issuer's JWKS.
 *
 * Keys are selected by `kid` and checked against the token's algorithm, not the `alg` the
 * JWKS publishes (Casdoor publishes an RS256 key and may sign RS512 with it). An unknown
 * `kid` causes at most one refetch per cooldown, so forged kids cannot turn into a flood of
 * fetches; concurrent fetches share one request. When the issuer is unreachable, the keys
 * already known stay in use up to `maxStaleMs` after their last fetch; with no keys, or keys
 * past that age, verification fails closed.
 */
export function createRemoteKeySet(options: RemoteKeySetOptions): RemoteKeySet {
  const cooldownMs = options.cooldownMs ?? 30_000;
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  const maxStaleMs = Math.max(options.maxStaleMs ?? 3_600_000, maxAgeMs);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const now = options.now ?? Date.now;

  let keys: PublishedKey[] | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  const resolveUri = async (): Promise<string | URL> =>
    typeof options.jwksUri === 'function' ? options.jwksUri() : options.jwksUri;

  async function load(): Promise<void> {
    attemptedAt = now();
    const uri = await resolveUri();
    const document = await observeJwksFetch(uri, () =>
      fetchJson(uri, { fetch: options.fetch, timeoutMs }),
    );
    if (!Array.isArray(document.keys)) throw new Error(`${uri} is not a JWKS (no "keys" array)`);
    const previous = new Map(keys?.map((key) => [key.thumbprint, key]));
    const next: PublishedKey[] = [];
    for (const jwk of document.keys as JWK[]) {
      if (jwk === null || typeof jwk !== 'object' || !isSigningKey(jwk)) continue;
      let thumbprint: string;
      try {
        thumbprint = await calculateJwkThumbprint(jwk);
      } catch {
        continue;
      }
      const known = previous.get(thumbprint);
      if (known && known.jwk.kid === jwk.kid) {
        next.push(known);
        continue;
      }
      next.push({ jwk, thumbprint, imported: new Map() });
      options.onKey?.({ kid: jwk.kid, thumbprint });
    }
    keys = next;
    fetchedAt = now();
  }

  function refetch(): Promise<void> {
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function ensureFresh(): Promise<void> {
    if (keys === undefined) {
      try {
        await refetch();
      } catch (error) {
        throw new AuthError(
          'unavailable',
          `signing keys could not be loaded: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      return;
    }
    if (now() - fetchedAt >= maxAgeMs && now() - attemptedAt >= cooldownMs) {
      await refetch().catch((error: Error) => options.onStale?.(error));
    }
    if (now() - fetchedAt >= maxStaleMs) {
      throw new AuthError(
        'unavailable',
        `signing keys could not be refreshed for ${Math.round((now() - fetchedAt) / 60_000)} minutes`,
      );
    }
  }

  function find(kid: string | undefined, alg: string): PublishedKey | undefined {
    const candidates = (keys ?? []).filter(
      (key) => (kid === undefined || key.jwk.kid === kid) && fitsAlgorithm(key.jwk, alg),
    );
    if (kid === undefined && candidates.length > 1) {
      throw invalidToken(
        'token has no "kid" and the issuer publishes several keys for its algorithm',
      );
    }
    return candidates[0];
  }

  async function importFor(published: PublishedKey, alg: string): Promise<VerificationKey> {
    let imported = published.imported.get(alg);
    if (!imported) {
      const { alg: _published, key_ops: _ops, use: _use, ...material } = published.jwk;
      imported = importJWK({ ...material, ext: true }, alg);
      published.imported.set(alg, imported);
    }
    try {
      return await imported;
    } catch (error) {
      published.imported.delete(alg);
      throw invalidToken(`key "${published.jwk.kid ?? ''}" cannot verify ${alg}`, error);
    }
  }

  return {
    async select(kid, alg) {
      await ensureFresh();
      let published = find(kid, alg);
      if (!published && now() - attemptedAt >= cooldownMs) {
        await refetch().catch((error: Error) => options.onStale?.(error));
        published = find(kid, alg);
      }
      if (!published) {
        throw invalidToken(
          kid === undefined
            ? `the issuer publishes no key for ${alg}`
            : `no signing key with kid "${kid}" for ${alg} is published by the issuer`,
        );
      }
      return { key: await importFor(published, alg), thumbprint: published.thumbprint };
    },
  };
}
