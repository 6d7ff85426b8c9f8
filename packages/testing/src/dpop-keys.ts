import { randomBytes, type webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** A DPoP key pair a test client holds (RFC 9449): the private key signs proofs. */
export interface DpopKey {
  /** The JWS algorithm of the proofs. */
  alg: string;
  privateKey: webcrypto.CryptoKey;
  /** The public JWK put in every proof's `jwk` header. */
  publicJwk: JWK;
  /** Its RFC 7638 SHA-256 thumbprint: what a bound token carries as `cnf.jkt`. */
  thumbprint: string;
}

/** The request a proof is for, and anything a test wants to get wrong on purpose. */
export interface DpopProofOptions {
  /** `htm`: the HTTP method. */
  method: string;
  /** `htu`: the request URL; its query and fragment are left out, as RFC 9449 §4.2 asks. */
  url: string | URL;
  /** Sets `ath`, the SHA-256 of the access token sent with the proof. */
  accessToken?: string;
  /** The server's `DPoP-Nonce`. */
  nonce?: string;
  /** `iat` in seconds since the epoch. Default now. */
  issuedAt?: number;
  /** `jti`. Default: 16 random bytes; reuse one to test replay detection. */
  jti?: string;
  /** Header fields to set or override (`typ`, `jwk`…). */
  header?: Record<string, unknown>;
  /** Further claims, or overrides. */
  claims?: Record<string, unknown>;
}

/** Creates a DPoP key pair (ES256 by default; any asymmetric JWS algorithm jose knows). */
export async function createDpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return {
    alg,
    privateKey,
    publicJwk,
    thumbprint: await calculateJwkThumbprint(publicJwk, 'sha256'),
  };
}

const sha256 = async (value: string) =>
  Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))).toString(
    'base64url',
  );

/** Signs a DPoP proof (`typ: dpop+jwt`, the public key in `jwk`) for one request. */
export async function dpopProof(key: DpopKey, options: DpopProofOptions): Promise<string> {
  const url = new URL(options.url);
  url.search = '';
  url.hash = '';
  return new SignJWT({
    jti: options.jti ?? randomBytes(16).toString('base64url'),
    htm: options.method,
    htu: url.href,
    iat: options.issuedAt ?? Math.floor(Date.now() / 1000),
    ...(options.accessToken !== undefined && { ath: await sha256(options.accessToken) }),
    ...(options.nonce !== undefined && { nonce: options.nonce }),
    ...options.claims,
  })
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...options.header })
    .sign(key.privateKey);
}
