import { errors, jwtVerify } from 'jose';
import {
  assertAccessTokenKind,
  assertAudience,
  defaultScopeMapper,
  type ScopeMapper,
  toAuthInfo,
} from './access-token-claims.js';
import { AuthError, invalidToken } from './auth-error.js';
import { discoverAuthorizationServer } from './authorization-server-discovery.js';
import { CASDOOR_BUILTIN_KEY_THUMBPRINT } from './casdoor.js';
import { decodeCompactJwt } from './compact-jwt.js';
import type { FetchLike } from './fetch-json.js';
import { checkAlgorithmAllowlist, DEFAULT_JWS_ALGORITHMS } from './jws-algorithms.js';
import { createRemoteKeySet, type RemoteKeySet } from './remote-key-set.js';
import { type TokenVerifier, type WarningHandler, warnOnStderr } from './token-verifier.js';

/** An issuer whose tokens are trusted, and where its keys are published. */
export interface TrustedIssuer {
  /** The exact `iss` value. */
  issuer: string;
  /** The JWKS URL; when absent it is found by discovery from the issuer. */
  jwksUri?: string;
}

/** JWKS caching knobs; see {@link createRemoteKeySet}. */
export interface JwksOptions {
  cooldownMs?: number;
  maxAgeMs?: number;
  /** How long keys stay in use while the JWKS cannot be refreshed. Default 1 hour. */
  maxStaleMs?: number;
  timeoutMs?: number;
}

/** Options for {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** The issuers trusted; a token from any other is refused before any network access. */
  issuers: ReadonlyArray<string | TrustedIssuer>;
  /**
   * The audiences accepted (RFC 8707): normally this server's canonical resource URL. It can
   * also name client ids, for servers that put the client id in `aud` (Casdoor's
   * client-credentials tokens carry `aud: [client_id]`). Required: there is no way to skip it.
   */
  audience: string | readonly string[];
  /** JWS algorithms accepted. Default: the asymmetric ones ({@link DEFAULT_JWS_ALGORITHMS}). */
  algorithms?: readonly string[];
  /**
   * Leeway for a clock behind the issuer's (`nbf`, `iat` slightly in the future), in seconds.
   * Default 5. It never extends `exp`: from `exp` on a token is expired on every transport.
   */
  clockToleranceSeconds?: number;
  /** `typ` header values accepted. Default `at+jwt`, `application/at+jwt` and `JWT`. */
  tokenTypes?: readonly string[];
  /** Refuse tokens without a `typ` header. Default false (several servers omit it). */
  requireTokenType?: boolean;
  /** Longest token accepted, in characters. Default 8192. */
  maxTokenLength?: number;
  /** How scopes are read from claims. Default: `scope`, else `scp`. */
  scopeMapper?: ScopeMapper;
  jwks?: JwksOptions;
  /**
   * What to do with a token signed by Casdoor's public built-in key, whose private half anyone
   * can read: always a warning, and `refuse` (the default) also refuses the token. `warn`
   * accepts it, for a local development Casdoor only.
   */
  casdoorBuiltinKey?: 'warn' | 'refuse';
  onWarning?: WarningHandler;
  fetch?: FetchLike;
  /** Clock in milliseconds; inject a fixed one to verify recorded tokens. */
  now?: () => number;
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'token is not valid yet (nbf is in the future)';
    return `token claim "${error.claim}" is invalid: ${error.reason}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof errors.JOSEError) return `token is invalid (${error.code})`;
  return 'token is invalid';
}

/**
 * Creates a verifier of JWT access tokens (RFC 9068) against the issuers' published keys.
 *
 * The checks, in order, all before any signature work where possible: size and structure,
 * algorithm allowlist, `typ`, trusted issuer, token kind (no refresh or id tokens), key by
 * `kid`, signature, `exp` (required), `nbf`, `iat`, audience.
 *
 * @example
 * ```ts
 * const verifier = createJwtVerifier({
 *   issuers: ['https://door.example.com'], // keys found by discovery
 *   audience: 'https://files.example.com/mcp', // this server's resource URL
 * });
 * const auth = await verifier.verify(token); // AuthInfo, or throws an AuthError
 * ```
 */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const algorithms = checkAlgorithmAllowlist(options.algorithms ?? DEFAULT_JWS_ALGORITHMS);
  const audiences = new Set(
    typeof options.audience === 'string' ? [options.audience] : options.audience,
  );
  if (audiences.size === 0) throw new TypeError('at least one accepted audience is required');
  const tolerance = options.clockToleranceSeconds ?? 5;
  const tokenTypes = new Set(
    (options.tokenTypes ?? ['at+jwt', 'application/at+jwt', 'JWT']).map((t) => t.toLowerCase()),
  );
  const maxTokenLength = options.maxTokenLength ?? 8192;
  const scopeMapper = options.scopeMapper ?? defaultScopeMapper;
  const now = options.now ?? Date.now;
  const warn = options.onWarning ?? warnOnStderr;
  const builtinKeyPolicy = options.casdoorBuiltinKey ?? 'refuse';

  if (options.issuers.length === 0) throw new TypeError('at least one trusted issuer is required');
  const keySets = new Map<string, RemoteKeySet>();
  for (const entry of options.issuers) {
    const trusted: TrustedIssuer = typeof entry === 'string' ? { issuer: entry } : entry;
    let discovered: Promise<string> | undefined;
    const jwksUri =
      trusted.jwksUri ??
      (() => {
        discovered ??= discoverAuthorizationServer(trusted.issuer, {
          fetch: options.fetch,
          timeoutMs: options.jwks?.timeoutMs,
        }).then((metadata) => {
          if (typeof metadata.jwks_uri !== 'string') {
            throw new Error(`the metadata of ${trusted.issuer} names no jwks_uri`);
          }
          return metadata.jwks_uri;
        });
        discovered.catch(() => {
          discovered = undefined;
        });
        return discovered;
      });
    keySets.set(
      trusted.issuer,
      createRemoteKeySet({
        ...options.jwks,
        jwksUri,
        fetch: options.fetch,
        now,
        onKey: ({ kid, thumbprint }) => {
          if (thumbprint === CASDOOR_BUILTIN_KEY_THUMBPRINT) {
            warn(
              `${trusted.issuer} publishes Casdoor's built-in signing key (kid "${kid ?? ''}"), whose private half is public: anyone can forge its tokens. Replace the certificate in Casdoor.${builtinKeyPolicy === 'refuse' ? ' Tokens signed with it are refused.' : ''}`,
            );
          }
        },
        onStale: (error) => warn(`keeping cached keys of ${trusted.issuer}: ${error.message}`),
      }),
    );
  }

  return {
    async verify(token) {
      const { header, claims } = decodeCompactJwt(token, maxTokenLength);
      const alg = header.alg;
      if (typeof alg !== 'string' || !algorithms.has(alg)) {
        throw invalidToken(
          `token algorithm ${JSON.stringify(alg)} is not accepted; expected one of ${[...algorithms].join(', ')}`,
        );
      }
      if (header.crit !== undefined) throw invalidToken('token uses critical header extensions');
      const typ = header.typ;
      if (
        typ === undefined
          ? options.requireTokenType
          : typeof typ !== 'string' || !tokenTypes.has(typ.toLowerCase())
      ) {
        throw invalidToken(`token type ${JSON.stringify(typ)} is not an access token type`);
      }
      const kid = header.kid;
      if (kid !== undefined && typeof kid !== 'string')
        throw invalidToken('token "kid" is not a string');
      const issuer = claims.iss;
      const keySet = typeof issuer === 'string' ? keySets.get(issuer) : undefined;
      if (!keySet) throw invalidToken(`token issuer ${JSON.stringify(issuer)} is not trusted`);
      assertAccessTokenKind(claims);

      const { key, thumbprint } = await keySet.select(kid, alg);
      if (thumbprint === CASDOOR_BUILTIN_KEY_THUMBPRINT && builtinKeyPolicy === 'refuse') {
        throw invalidToken("token is signed with Casdoor's public built-in key");
      }
      const currentDate = new Date(now());
      try {
        await jwtVerify(token, key, {
          algorithms: [alg],
          issuer: issuer as string,
          clockTolerance: tolerance,
          currentDate,
          requiredClaims: ['exp'],
        });
      } catch (error) {
        if (error instanceof AuthError) throw error;
        throw invalidToken(describeJoseError(error), error);
      }
      if (typeof claims.exp !== 'number') throw invalidToken('token "exp" is not a number');
      // One rule on every transport: from `exp` on, a token is expired. The tolerance forgives
      // a clock behind the issuer's (`nbf`, `iat`), never a token past its lifetime.
      if (claims.exp <= currentDate.getTime() / 1000) throw invalidToken('token has expired');
      if (typeof claims.iat === 'number' && claims.iat > currentDate.getTime() / 1000 + tolerance) {
        throw invalidToken('token is issued in the future (iat)');
      }
      const tokenAudiences = assertAudience(claims.aud, audiences);
      return toAuthInfo(token, claims, tokenAudiences, audiences, scopeMapper);
    },
  };
}
