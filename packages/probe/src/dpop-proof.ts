import { createHash, randomBytes } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** The key a DPoP-bound token is bound to (RFC 9449). */
export interface DpopKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** Creates an ES256 key pair for DPoP proofs. */
export async function createDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

/** What one proof is for. */
export interface ProofFor {
  method: string;
  url: string | URL;
  /** Sets `ath` (RFC 9449 §4.2) for requests to a resource server. */
  accessToken?: string;
  nonce?: string;
}

/** Signs a DPoP proof (`typ: dpop+jwt`, RFC 9449 §4.2) with a fresh `jti`. */
export function dpopProof(key: DpopKey, target: ProofFor): Promise<string> {
  const url = new URL(target.url);
  url.search = '';
  url.hash = '';
  return new SignJWT({
    jti: randomBytes(16).toString('base64url'),
    htm: target.method,
    htu: url.href,
    ...(target.accessToken && {
      ath: createHash('sha256').update(target.accessToken).digest('base64url'),
    }),
    ...(target.nonce && { nonce: target.nonce }),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk })
    .setIssuedAt()
    .sign(key.privateKey);
}
