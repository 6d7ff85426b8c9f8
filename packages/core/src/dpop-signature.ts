import {
  constants,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  type VerifyKeyObjectInput,
  verify,
} from 'node:crypto';
import { compactVerify, importJWK, type JWK } from 'jose';

/** A proof's public key, imported once for one algorithm. */
export interface ProofKey {
  /** Whether the compact JWS `proof` is signed by this key under the algorithm it was imported for. */
  verify(proof: string): boolean | Promise<boolean>;
}

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
 * Whether a JWK's own members allow checking `alg` signatures with it, as jose's `EmbeddedJWK`
 * and WebCrypto required of proof keys before: `alg`, when present, is that algorithm
 * (RFC 7517 §4.4); `use`, when present, is `sig` (§4.2); `key_ops`, when present, is
 * `["verify"]`, the only operation of a public key (§4.3); `ext`, when present, is a boolean.
 */
function declaredForVerifying(jwk: object, alg: string): boolean {
  const { alg: keyAlg, use, key_ops: operations, ext } = jwk as Record<string, unknown>;
  return (
    (keyAlg === undefined || keyAlg === alg) &&
    (use === undefined || use === 'sig') &&
    (operations === undefined ||
      (Array.isArray(operations) && operations.length === 1 && operations[0] === 'verify')) &&
    (ext === undefined || typeof ext === 'boolean')
  );
}

/**
 * A proof's public key (its `jwk` header) imported for `alg` with `node:crypto`, or `undefined`
 * when the JWK is not a public key `alg` can verify with: unreadable, another key type or
 * curve, RSA under 2048 bits, members declaring another algorithm, use or operation, or an
 * algorithm without a rule here. Its checks are synchronous: a P-256 check costs about half
 * of what the same check costs through WebCrypto (docs/benchmarks.md).
 */
export function importProofKeyWithNodeCrypto(jwk: object, alg: string): ProofKey | undefined {
  const rule = RULES[alg];
  if (!rule || !declaredForVerifying(jwk, alg)) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch {
    return undefined;
  }
  if (key.type !== 'public' || !rule.accepts(key)) return undefined;
  const options = { key, ...rule.options };
  return {
    verify(proof) {
      const end = proof.lastIndexOf('.');
      const signature = proof.slice(end + 1);
      // 4n+1 base64url characters encode nothing: jose refuses them, Buffer would drop the last.
      if (signature.length % 4 === 1) return false;
      try {
        return verify(
          rule.digest,
          Buffer.from(proof.slice(0, end), 'ascii'),
          options,
          Buffer.from(signature, 'base64url'),
        );
      } catch {
        return false;
      }
    },
  };
}

/**
 * The same, through WebCrypto with jose (`importJWK`, `compactVerify`): for runtimes whose
 * `node:crypto` cannot import a JWK or verify with it (workerd).
 */
export async function importProofKeyWithWebCrypto(
  jwk: object,
  alg: string,
): Promise<ProofKey | undefined> {
  if (!RULES[alg] || !declaredForVerifying(jwk, alg)) return undefined;
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(jwk as JWK, alg);
  } catch {
    return undefined;
  }
  if (key instanceof Uint8Array || key.type !== 'public') return undefined;
  const { modulusLength } = key.algorithm as { modulusLength?: number };
  if (modulusLength !== undefined && modulusLength < 2048) return undefined;
  return {
    async verify(proof) {
      try {
        await compactVerify(proof, key, { algorithms: [alg] });
        return true;
      } catch {
        return false;
      }
    },
  };
}

let nodeCryptoWorks: boolean | undefined;

/**
 * Whether this runtime's `node:crypto` imports a JWK and verifies with it, probed once: a
 * signature must verify, and the same signature over other bytes must not (a stand-in that
 * accepts anything must not be taken for working).
 */
function nodeCryptoVerifies(): boolean {
  if (nodeCryptoWorks === undefined) {
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const input = 'e30.e30';
      const signature = sign('sha256', Buffer.from(input), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
      const key = importProofKeyWithNodeCrypto(publicKey.export({ format: 'jwk' }), 'ES256');
      nodeCryptoWorks =
        key?.verify(`${input}.${signature}`) === true &&
        key.verify(`${input}e30.${signature}`) === false;
    } catch {
      nodeCryptoWorks = false;
    }
  }
  return nodeCryptoWorks;
}

/** A proof's public key imported for `alg`, with `node:crypto` where it can, else WebCrypto. */
export async function importProofKey(jwk: object, alg: string): Promise<ProofKey | undefined> {
  return nodeCryptoVerifies()
    ? importProofKeyWithNodeCrypto(jwk, alg)
    : importProofKeyWithWebCrypto(jwk, alg);
}
