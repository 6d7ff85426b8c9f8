import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose';
import { AuthError, invalidDpopProof } from './auth-error.js';
import type { DpopNonces } from './dpop-nonce.js';
import { type ReplayCache, ReplayCacheFullError } from './dpop-replay-cache.js';
import { importProofKey, type ProofKey } from './dpop-signature.js';
import { dpopTargetUri } from './dpop-target-uri.js';
import { LruCache } from './lru-cache.js';

/** The request a DPoP proof must match. */
export interface DpopProofTarget {
  /** The HTTP method, as sent (`POST`, `GET`). */
  method: string;
  /** The absolute URL the request was sent to; its query and fragment are ignored. */
  url: string;
  /** The access token sent with the proof: the proof's `ath` must be its SHA-256. */
  accessToken: string;
  /** The token's `cnf.jkt`: the proof must be signed by the key with this thumbprint. */
  thumbprint: string;
}

/** Options for {@link verifyDpopProof}. */
export interface DpopProofOptions {
  /** Asymmetric JWS algorithms accepted for proofs. */
  algorithms: ReadonlySet<string>;
  /** How far `iat` may be from now, either way, in seconds. */
  iatWindowSeconds: number;
  /** Where used proof ids are recorded; a proof id is accepted once. */
  replayCache: ReplayCache;
  /** When set, every proof must carry one of these nonces. */
  nonces?: DpopNonces;
  /** Longest proof accepted, in characters. */
  maxProofLength?: number;
  /** Clock in milliseconds. */
  now?: () => number;
}

/** What a verified proof tells. */
export interface VerifiedDpopProof {
  /** The RFC 7638 SHA-256 thumbprint of the proof's key. */
  thumbprint: string;
  jti: string;
  iat: number;
}

/** Members that only a private or symmetric JWK has: a proof must never carry them. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** UTF-8 that throws on a malformed sequence, and keeps a byte order mark (not JSON) as text. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A proof's claims: its payload segment, which must be base64url (4n+1 characters encode
 * nothing: Buffer would drop the last) of UTF-8 (no byte turned into U+FFFD) of a JSON object,
 * as jose's `jwtVerify` required.
 */
function decodePayload(encoded: string): Record<string, unknown> {
  if (encoded.length % 4 === 1) throw invalidDpopProof('the DPoP proof payload is not base64url');
  let payload: unknown;
  try {
    payload = JSON.parse(utf8.decode(Buffer.from(encoded, 'base64url')));
  } catch (error) {
    throw invalidDpopProof('the DPoP proof payload is not UTF-8 JSON', error);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw invalidDpopProof('the DPoP proof payload is not a JSON object');
  return payload as Record<string, unknown>;
}

/**
 * Proof keys already imported, and their thumbprints, by algorithm and the exact `jwk` header:
 * a client signs every proof with the same key, and importing it and computing its thumbprint
 * cost about as much as verifying the signature. Only a key whose proof passed every check is
 * kept, so a caller cannot fill it without a bound token; bounded, and each entry forgotten
 * after a while.
 */
const importedKeys = new LruCache<{ key: ProofKey; thumbprint: string }>(1_000);
const IMPORTED_KEY_TTL_MS = 10 * 60_000;

/**
 * Verifies a DPoP proof for one request (RFC 9449 §4.3), the cheap checks first: one compact
 * JWS no longer than the limit; `typ: dpop+jwt`; an `alg` from the allowlist (never `none` or
 * HMAC); a public `jwk` header without private members; the key's thumbprint equal to the
 * token's `cnf.jkt` (before the key is used, so only the bound key costs a signature check);
 * the signature by that key; `jti`, `htm` equal to the method, `htu` equal to the request URL
 * once both are normalised, `iat` within the window, `ath` equal to the SHA-256 of the access
 * token; the server's nonce when nonces are on; and last, `jti` never seen before. Throws an `AuthError`: `invalid_dpop_proof`, `use_dpop_nonce` (with a
 * fresh nonce) or `unavailable` (the replay cache cannot answer).
 */
export async function verifyDpopProof(
  proof: string,
  target: DpopProofTarget,
  options: DpopProofOptions,
): Promise<VerifiedDpopProof> {
  const now = (options.now ?? Date.now)();
  const maxLength = options.maxProofLength ?? 8192;
  if (proof.length > maxLength)
    throw invalidDpopProof(`the DPoP proof is longer than ${maxLength} characters`);
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(proof))
    throw invalidDpopProof('the DPoP proof is not a compact JWS');

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch (error) {
    throw invalidDpopProof('the DPoP proof header is not valid JSON', error);
  }
  if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'dpop+jwt')
    throw invalidDpopProof(`the DPoP proof's typ must be dpop+jwt, not ${String(header.typ)}`);
  if (typeof header.alg !== 'string' || !options.algorithms.has(header.alg))
    throw invalidDpopProof(
      `the DPoP proof algorithm ${String(header.alg)} is not accepted; use one of ${[...options.algorithms].join(' ')}`,
    );
  const jwk = header.jwk as JWK | undefined;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
    throw invalidDpopProof('the DPoP proof has no jwk header');
  if (jwk.kty === 'oct' || PRIVATE_MEMBERS.some((member) => member in jwk))
    throw invalidDpopProof('the DPoP proof jwk must be a public key');

  // No JWS extension is understood here (RFC 7515 §4.1.11, RFC 7797): a proof naming one is refused.
  if ('crit' in header || 'b64' in header)
    throw invalidDpopProof('the DPoP proof header names a JWS extension (crit, b64) not supported');

  const keyId = `${header.alg}.${JSON.stringify(jwk)}`;
  const known = importedKeys.get(keyId, now);
  // The key must be the one the token is bound to before anything costly is done with it: an
  // RSA key with a huge public exponent makes one signature check cost milliseconds.
  let thumbprint = known?.thumbprint;
  if (thumbprint === undefined) {
    try {
      thumbprint = await calculateJwkThumbprint(jwk, 'sha256');
    } catch (error) {
      throw invalidDpopProof('the DPoP proof jwk is not a public key', error);
    }
  }
  if (thumbprint !== target.thumbprint)
    throw invalidDpopProof('the DPoP proof is signed by another key than the token is bound to');
  const key = known?.key ?? (await importProofKey(jwk, header.alg));
  if (!key) throw invalidDpopProof(`the DPoP proof jwk is not a public key for ${header.alg}`);
  if (!(await key.verify(proof))) throw invalidDpopProof('the DPoP proof signature is invalid');
  const payload = decodePayload(proof.slice(proof.indexOf('.') + 1, proof.lastIndexOf('.')));
  const seconds = Math.floor(now / 1000);
  if (payload.exp !== undefined && (typeof payload.exp !== 'number' || payload.exp <= seconds))
    throw invalidDpopProof('the DPoP proof has expired (exp)');
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > seconds))
    throw invalidDpopProof('the DPoP proof is not valid yet (nbf)');

  const { jti, htm, htu, iat, ath } = payload;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
    throw invalidDpopProof('the DPoP proof needs a jti of 1 to 256 characters');
  if (htm !== target.method)
    throw invalidDpopProof(
      `the DPoP proof is for ${String(htm).slice(0, 16)}, not for this ${target.method} request`,
    );
  const expectedUri = dpopTargetUri(target.url);
  const provedUri = typeof htu === 'string' ? dpopTargetUri(htu) : undefined;
  if (expectedUri === undefined || provedUri !== expectedUri)
    throw invalidDpopProof(
      `the DPoP proof is for ${provedUri ?? 'an unreadable htu'}, not for ${expectedUri ?? 'this request'}`,
    );
  if (typeof iat !== 'number' || !Number.isFinite(iat))
    throw invalidDpopProof('the DPoP proof has no numeric iat');
  if (Math.abs(now / 1000 - iat) > options.iatWindowSeconds)
    throw invalidDpopProof(
      `the DPoP proof's iat is more than ${options.iatWindowSeconds} s from the server's clock`,
    );
  if (ath !== sha256(target.accessToken))
    throw invalidDpopProof('the DPoP proof ath does not match the access token');

  if (options.nonces && !options.nonces.check(payload.nonce)) {
    throw new AuthError(
      'use_dpop_nonce',
      payload.nonce === undefined
        ? 'the DPoP proof must carry the nonce in the DPoP-Nonce header'
        : 'the DPoP proof nonce is stale or unknown; use the one in the DPoP-Nonce header',
      { scheme: 'DPoP', dpopNonce: options.nonces.current() },
    );
  }

  let first: boolean;
  try {
    first = await options.replayCache.use(
      sha256(`${thumbprint}:${jti}`),
      Math.ceil((iat + options.iatWindowSeconds) * 1000) + 1000,
    );
  } catch (error) {
    throw new AuthError(
      'unavailable',
      error instanceof ReplayCacheFullError
        ? 'too many DPoP proofs to remember; try again shortly'
        : 'the DPoP replay cache cannot be reached',
      { cause: error },
    );
  }
  if (!first) throw invalidDpopProof('the DPoP proof was already used (jti replay)');
  if (!known) importedKeys.set(keyId, { key, thumbprint }, now + IMPORTED_KEY_TTL_MS);
  return { thumbprint, jti, iat };
}
