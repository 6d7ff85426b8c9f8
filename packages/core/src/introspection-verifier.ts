import {
  assertAccessTokenKind,
  assertAudience,
  defaultScopeMapper,
  type ScopeMapper,
  toAuthInfo,
} from './access-token-claims.js';
import { AuthError, invalidToken } from './auth-error.js';
import type { AuthInfo } from './auth-info.js';
import { discoverAuthorizationServer } from './authorization-server-discovery.js';
import { clientSecretBasic } from './client-secret-basic.js';
import { type FetchLike, fetchJson } from './fetch-json.js';
import { LruCache } from './lru-cache.js';
import { observeIntrospection } from './telemetry/auth-spans.js';
import { tokenHash } from './token-hash.js';
import type { TokenVerifier } from './token-verifier.js';

/**
 * Where active introspection answers are kept, e.g. shared by every instance behind a load
 * balancer (Redis). Keys are SHA-256 hashes of tokens; the token itself is never stored. Each
 * entry must be forgotten at `expiresAtMs`, so a revoked token is refused everywhere once its
 * entry lapses. A `get` that throws counts as a miss: the authorization server is asked.
 */
export interface IntrospectionCacheStore {
  get(key: string): Promise<IntrospectionCacheEntry | undefined>;
  set(key: string, entry: IntrospectionCacheEntry): Promise<void>;
}

/** An active introspection answer and when it stops being reused (ms since the epoch). */
export interface IntrospectionCacheEntry {
  answer: Record<string, unknown>;
  expiresAtMs: number;
}

/** Options for {@link createIntrospectionVerifier}. */
export interface IntrospectionVerifierOptions {
  /** The issuer whose tokens these are; also checked against the answer's `iss` when present. */
  issuer: string;
  /** The RFC 7662 endpoint; when absent it is found by discovery from the issuer. */
  endpoint?: string;
  /** This resource server's own client credentials at the authorization server. */
  clientId: string;
  clientSecret: string;
  /** How to send the credentials. Default `client_secret_basic` (HTTP Basic). */
  clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** Audiences accepted, as for the JWT verifier. Required. */
  audience: string | readonly string[];
  /** How long an active answer is reused, in seconds; never past the token's `exp`. Default 30. */
  cacheSeconds?: number;
  /** Most answers remembered. Default 10 000. */
  maxCacheEntries?: number;
  /**
   * A store shared with other instances, consulted after this process's own cache and filled
   * with each active answer (until the same expiry), so one introspection serves them all.
   */
  cacheStore?: IntrospectionCacheStore;
  /** Longest token accepted, in characters. Default 8192. */
  maxTokenLength?: number;
  scopeMapper?: ScopeMapper;
  timeoutMs?: number;
  fetch?: FetchLike;
  now?: () => number;
}

/**
 * Creates a verifier that asks the authorization server about each token (RFC 7662), for
 * opaque tokens or when revocation must take effect quickly. Active answers are cached
 * briefly, keyed by a hash of the token and never past its `exp`. Inactive answers, answers
 * without `exp`, refresh tokens and foreign audiences are refused.
 */
export function createIntrospectionVerifier(options: IntrospectionVerifierOptions): TokenVerifier {
  const audiences = new Set(
    typeof options.audience === 'string' ? [options.audience] : options.audience,
  );
  if (audiences.size === 0) throw new TypeError('at least one accepted audience is required');
  const cache = new LruCache<AuthInfo>(options.maxCacheEntries ?? 10_000);
  const cacheMs = (options.cacheSeconds ?? 30) * 1000;
  const maxTokenLength = options.maxTokenLength ?? 8192;
  const scopeMapper = options.scopeMapper ?? defaultScopeMapper;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const now = options.now ?? Date.now;
  const usePost = options.clientAuthMethod === 'client_secret_post';
  let endpoint: Promise<string> | undefined;

  const resolveEndpoint = (): Promise<string> => {
    if (options.endpoint) return Promise.resolve(options.endpoint);
    endpoint ??= discoverAuthorizationServer(options.issuer, {
      fetch: options.fetch,
      timeoutMs,
    }).then((metadata) => {
      if (typeof metadata.introspection_endpoint !== 'string') {
        throw new Error(`the metadata of ${options.issuer} names no introspection_endpoint`);
      }
      return metadata.introspection_endpoint;
    });
    endpoint.catch(() => {
      endpoint = undefined;
    });
    return endpoint;
  };

  async function introspect(token: string): Promise<Record<string, unknown>> {
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (usePost) {
      form.set('client_id', options.clientId);
      form.set('client_secret', options.clientSecret);
    } else {
      headers.authorization = clientSecretBasic(options.clientId, options.clientSecret);
    }
    try {
      const endpoint = await resolveEndpoint();
      return await observeIntrospection(endpoint, () =>
        fetchJson(endpoint, {
          fetch: options.fetch,
          timeoutMs,
          init: { method: 'POST', headers, body: form.toString() },
        }),
      );
    } catch (error) {
      throw new AuthError(
        'unavailable',
        `token introspection failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  return {
    async verify(token) {
      if (token.length > maxTokenLength) {
        throw invalidToken(
          `token is ${token.length} characters long; at most ${maxTokenLength} are accepted`,
        );
      }
      const key = tokenHash(token);
      const cached = cache.get(key, now());
      if (cached) return cached;

      const shared = await options.cacheStore?.get(key).catch(() => undefined);
      const live = shared && shared.expiresAtMs > now() ? shared : undefined;
      const answer = live?.answer ?? (await introspect(token));
      if (answer.active !== true) throw invalidToken('token is not active');
      const issuer = answer.iss ?? options.issuer;
      if (issuer !== options.issuer) {
        throw invalidToken(`token issuer ${JSON.stringify(issuer)} is not ${options.issuer}`);
      }
      if (typeof answer.exp !== 'number') throw invalidToken('introspection answer has no "exp"');
      if (answer.exp * 1000 <= now()) throw invalidToken('token has expired');
      if (typeof answer.nbf === 'number' && answer.nbf * 1000 > now()) {
        throw invalidToken('token is not valid yet (nbf is in the future)');
      }
      const tokenType = answer.token_type;
      if (typeof tokenType === 'string' && /refresh/i.test(tokenType)) {
        throw invalidToken(`expected an access token, got token_type "${tokenType}"`);
      }
      assertAccessTokenKind(answer);
      const claims = { ...answer, iss: issuer };
      const auth = toAuthInfo(
        token,
        claims,
        assertAudience(answer.aud, audiences),
        audiences,
        scopeMapper,
      );
      const expiresAtMs = Math.min(answer.exp * 1000, live?.expiresAtMs ?? now() + cacheMs);
      cache.set(key, auth, expiresAtMs);
      if (!live) await options.cacheStore?.set(key, { answer, expiresAtMs }).catch(() => undefined);
      return auth;
    },
  };
}
