import { AuthError, invalidDpopProof, invalidToken } from './auth-error.js';
import type { AuthInfo } from './auth-info.js';
import type { AccessTokenCredential } from './bearer-token.js';
import { createDpopNonces, type DpopNonceOptions, type DpopNonces } from './dpop-nonce.js';
import { verifyDpopProof } from './dpop-proof.js';
import { createMemoryReplayCache, type ReplayCache } from './dpop-replay-cache.js';
import { checkAlgorithmAllowlist } from './jws-algorithms.js';

/**
 * What a resource does with DPoP (RFC 9449):
 *
 * - `off`: bearer tokens only; a token bound to a key (any `cnf`) cannot be used at all;
 * - `optional`: a token bound to a key (`cnf.jkt`) must come with the `DPoP` scheme and a valid
 *   proof on every request, and is refused as `Bearer`; unbound tokens still work as `Bearer`;
 *   a token bound otherwise (`cnf` without `jkt`, such as a certificate's `x5t#S256`) is refused;
 * - `required`: every token must be bound and proven; `Bearer` is refused.
 */
export type DpopMode = 'off' | 'optional' | 'required';

/** The DPoP proof algorithms accepted by default: asymmetric only, as RFC 9449 §11.6 asks. */
export const DEFAULT_DPOP_ALGORITHMS = Object.freeze([
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
] as const);

/** Options for {@link createDpopPolicy} (and `createPortcullis({ dpop })`). */
export interface DpopOptions {
  mode: DpopMode;
  /** Proof algorithms accepted, published as `algs` and `dpop_signing_alg_values_supported`. */
  algorithms?: readonly string[];
  /** How far a proof's `iat` may be from the server's clock, either way, in seconds. Default 60. */
  iatWindowSeconds?: number;
  /**
   * Where used proof ids are remembered. Default: a bounded in-process cache. Behind a load
   * balancer, share one (a Redis-backed {@link ReplayCache}), or a proof can be replayed once
   * against each other instance within the window.
   */
  replayCache?: ReplayCache;
  /**
   * Server-provided nonces (RFC 9449 §9): every proof must carry the current nonce, which
   * limits a stolen proof's use to the nonce's lifetime even when the client's clock is wrong.
   * `true` for random per-process nonces; pass a shared `secret` for several instances.
   */
  nonces?: boolean | DpopNonceOptions | DpopNonces;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/** What an adapter knows of the request that a DPoP proof must match. */
export interface DpopRequest {
  /** The `DPoP` header(s) of the request. */
  dpop?: string | readonly string[];
  /** The HTTP method (`POST`; `GET` for a WebSocket upgrade). */
  method?: string;
  /** The absolute URL the request was sent to (see `requestUrl`). */
  url?: string;
}

/** A resource's DPoP policy, applied to every request once its token is verified. */
export interface DpopPolicy {
  readonly mode: Exclude<DpopMode, 'off'>;
  readonly algorithms: readonly string[];
  /** The nonce to send in `DPoP-Nonce`, when nonces are on. */
  nonce(): string | undefined;
  /** Refuses a credential before any verification: `Bearer` where DPoP is required. */
  precheck(credential: AccessTokenCredential): void;
  /**
   * Checks a verified token's binding for this request; runs on every request, also when the
   * token's verification came from the cache. Returns the identity with the proof's key.
   */
  bind(auth: AuthInfo, credential: AccessTokenCredential, request: DpopRequest): Promise<AuthInfo>;
}

/** The `cnf.jkt` of a token's claims (a JWT's, or an introspection answer's), if it is bound. */
export function boundThumbprint(claims: Readonly<Record<string, unknown>>): string | undefined {
  const cnf = claims.cnf;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const jkt = (cnf as Record<string, unknown>).jkt;
  return typeof jkt === 'string' && jkt.length > 0 ? jkt : undefined;
}

/**
 * Whether a token is bound to a key or a certificate of its sender (RFC 7800 `cnf`, whatever
 * its members: `jkt`, `x5t#S256`, …), or says it is a DPoP token. Such a token must never be
 * accepted without proof of that key.
 */
export function isKeyBound(claims: Readonly<Record<string, unknown>>): boolean {
  const saysDpop = typeof claims.token_type === 'string' && /^dpop$/i.test(claims.token_type);
  return saysDpop || (typeof claims.cnf === 'object' && claims.cnf !== null);
}

/**
 * The refusal of a bound token whose binding this resource cannot check: with DPoP off, any
 * binding; with DPoP on, one that names no DPoP key (`cnf` without `jkt`).
 */
export function unprovableBinding(dpopOn: boolean): AuthError {
  return new AuthError(
    'invalid_token',
    dpopOn
      ? 'the token is bound to a key this resource cannot check (cnf without jkt): it cannot be used here'
      : 'the token is bound to a key (cnf) and this resource does not accept DPoP: it cannot be used here',
    { scheme: 'Bearer' },
  );
}

/** Creates the DPoP policy of a resource; `undefined` for mode `off`. */
export function createDpopPolicy(options: DpopOptions): DpopPolicy | undefined {
  if (options.mode === 'off') return undefined;
  if (options.mode !== 'optional' && options.mode !== 'required')
    throw new TypeError(`dpop.mode must be off, optional or required, not ${String(options.mode)}`);
  const mode = options.mode;
  const algorithms = checkAlgorithmAllowlist(options.algorithms ?? DEFAULT_DPOP_ALGORITHMS);
  const iatWindowSeconds = options.iatWindowSeconds ?? 60;
  if (!(iatWindowSeconds > 0)) throw new RangeError('dpop.iatWindowSeconds must be positive');
  const replayCache = options.replayCache ?? createMemoryReplayCache({ now: options.now });
  const nonces =
    options.nonces === undefined || options.nonces === false
      ? undefined
      : options.nonces === true
        ? createDpopNonces({ now: options.now })
        : 'check' in options.nonces
          ? options.nonces
          : createDpopNonces({ now: options.now, ...options.nonces });

  return {
    mode,
    algorithms: [...algorithms],
    nonce: () => nonces?.current(),
    precheck(credential) {
      if (mode === 'required' && credential.scheme === 'Bearer')
        throw new AuthError(
          'invalid_token',
          'this resource requires DPoP: send the token with the DPoP scheme and a DPoP proof',
          { scheme: 'Bearer' },
        );
    },
    async bind(auth, credential, request) {
      const jkt = boundThumbprint(auth.claims);
      const saysDpop =
        typeof auth.claims.token_type === 'string' && /^dpop$/i.test(auth.claims.token_type);
      if (jkt === undefined) {
        if (saysDpop) throw invalidToken('the token is said to be DPoP-bound but names no key');
        if (isKeyBound(auth.claims)) throw unprovableBinding(true);
        if (mode === 'required' || credential.scheme === 'DPoP')
          throw new AuthError(
            'invalid_token',
            credential.scheme === 'DPoP'
              ? 'the token is not bound to a DPoP key (no cnf.jkt)'
              : 'this resource requires DPoP-bound tokens',
            { scheme: credential.scheme },
          );
        return auth;
      }
      if (credential.scheme !== 'DPoP')
        throw new AuthError(
          'invalid_token',
          'the token is DPoP-bound: send it with the DPoP scheme and a DPoP proof, not as Bearer',
          { scheme: 'Bearer' },
        );
      const header = request.dpop;
      const proofs = header === undefined ? [] : typeof header === 'string' ? [header] : header;
      if (proofs.length === 0 || proofs[0] === '')
        throw invalidDpopProof('a DPoP-bound token needs a DPoP proof header');
      if (proofs.length > 1) throw invalidDpopProof('more than one DPoP header was sent');
      if (!request.method || !request.url)
        throw invalidDpopProof('this transport cannot check DPoP proofs');
      const proved = await verifyDpopProof(
        proofs[0]!,
        {
          method: request.method,
          url: request.url,
          accessToken: credential.token,
          thumbprint: jkt,
        },
        { algorithms, iatWindowSeconds, replayCache, nonces, now: options.now },
      );
      return { ...auth, dpopThumbprint: proved.thumbprint };
    },
  };
}
