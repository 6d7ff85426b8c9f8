/**
 * The asymmetric JWS algorithms accepted by default. HMAC (`HS*`) cannot be used with keys
 * published in a JWKS, and `none` is never a signature.
 */
export const DEFAULT_JWS_ALGORITHMS = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const);

const ACCEPTABLE = new Set<string>(DEFAULT_JWS_ALGORITHMS);

/** Validates an algorithm allowlist once, at configuration time. */
export function checkAlgorithmAllowlist(algorithms: readonly string[]): ReadonlySet<string> {
  if (algorithms.length === 0) throw new TypeError('the algorithm allowlist is empty');
  for (const alg of algorithms) {
    if (!ACCEPTABLE.has(alg)) {
      throw new TypeError(
        `algorithm "${alg}" cannot verify tokens against a JWKS; use asymmetric algorithms (${DEFAULT_JWS_ALGORITHMS.join(', ')})`,
      );
    }
  }
  return new Set(algorithms);
}
