import {
  constants,
  createPublicKey,
  type KeyObject,
  type VerifyKeyObjectInput,
  verify,
} from 'node:crypto';

/**
 * How a JWS algorithm (RFC 7518 §3, RFC 8037, RFC 9864) verifies with `node:crypto`, and the
 * key it needs: the digest, the padding or signature encoding, and a test of the key's type
 * and size, so that a proof cannot name one algorithm and be checked as another.
 */
interface AlgorithmRule {
  digest: string | null;
  accepts(key: KeyObject): boolean;
  options?: Omit<VerifyKeyObjectInput, 'key'>;
}

const ecCurve = (curve: string) => (key: KeyObject) =>
  key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === curve;
/** RSA keys under 2048 bits are refused, as jose and RFC 7518 §3.3 ask. */
const rsa2048 = (key: KeyObject) =>
  key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
const ieee = { dsaEncoding: 'ieee-p1363' } as const;
const pss = {
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
};
const pkcs1 = { padding: constants.RSA_PKCS1_PADDING };
const okp =
  (...types: string[]) =>
  (key: KeyObject) =>
    types.includes(key.asymmetricKeyType ?? '');

const RULES: Readonly<Record<string, AlgorithmRule>> = {
  ES256: { digest: 'sha256', accepts: ecCurve('prime256v1'), options: ieee },
  ES384: { digest: 'sha384', accepts: ecCurve('secp384r1'), options: ieee },
  ES512: { digest: 'sha512', accepts: ecCurve('secp521r1'), options: ieee },
  RS256: { digest: 'sha256', accepts: rsa2048, options: pkcs1 },
  RS384: { digest: 'sha384', accepts: rsa2048, options: pkcs1 },
  RS512: { digest: 'sha512', accepts: rsa2048, options: pkcs1 },
  PS256: { digest: 'sha256', accepts: rsa2048, options: pss },
  PS384: { digest: 'sha384', accepts: rsa2048, options: pss },
  PS512: { digest: 'sha512', accepts: rsa2048, options: pss },
  // Ed25519 only, as jose and WebCrypto: an Ed448 key is refused under either name.
  EdDSA: { digest: null, accepts: okp('ed25519') },
  Ed25519: { digest: null, accepts: okp('ed25519') },
};

/**
 * A proof's public key (its `jwk` header) imported for `alg`, or `undefined` when the JWK is
 * not a public key `alg` can verify with: unreadable, another key type or curve, RSA under
 * 2048 bits, or an algorithm without a rule here.
 */
export function importProofKey(jwk: object, alg: string): KeyObject | undefined {
  const rule = RULES[alg];
  if (!rule) return undefined;
  // A JWK that names its algorithm is for that algorithm only (RFC 7517 §4.4).
  if ('alg' in jwk && (jwk as { alg?: unknown }).alg !== alg) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch {
    return undefined;
  }
  return key.type === 'public' && rule.accepts(key) ? key : undefined;
}

/**
 * Whether `signature` (base64url) signs `signingInput` (the ASCII `header.payload` of a compact
 * JWS) with `key` under `alg`. Synchronous `node:crypto`: a P-256 check costs about half of what
 * the same check costs through WebCrypto, which jose uses (docs/benchmarks.md). `key` must come
 * from {@link importProofKey} for the same `alg`.
 */
export function verifyProofSignature(
  alg: string,
  key: KeyObject,
  signingInput: string,
  signature: string,
): boolean {
  const rule = RULES[alg];
  if (!rule || !rule.accepts(key)) return false;
  try {
    return verify(
      rule.digest,
      Buffer.from(signingInput, 'ascii'),
      { key, ...rule.options },
      Buffer.from(signature, 'base64url'),
    );
  } catch {
    return false;
  }
}
