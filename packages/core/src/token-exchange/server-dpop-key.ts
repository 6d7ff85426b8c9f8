import { createHash, randomBytes } from 'node:crypto';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type KeyObject,
  SignJWT,
} from 'jose';

/**
 * The MCP server's own DPoP key (RFC 9449), with which it proves possession of the tokens it
 * obtains by exchange. Never the MCP client's key: the server cannot sign with that one, and
 * must not be able to.
 */
export interface ServerDpopKey {
  /** The JWS algorithm of its proofs. */
  readonly alg: string;
  /** Its RFC 7638 thumbprint: the `cnf.jkt` of tokens bound to it. */
  readonly thumbprint: string;
  /** A proof for one request; `accessToken` sets `ath`, `nonce` the server's `DPoP-Nonce`. */
  proof(request: {
    method: string;
    url: string | URL;
    accessToken?: string;
    nonce?: string;
  }): Promise<string>;
}

/** A key pair to use as the server's DPoP key instead of a generated one. */
export interface ServerDpopKeyPair {
  alg: string;
  privateKey: CryptoKey | KeyObject;
  publicJwk: JWK;
}

/** Creates the server's DPoP key: from `pair`, or a fresh ES256 key for this process. */
export async function createServerDpopKey(pair?: ServerDpopKeyPair): Promise<ServerDpopKey> {
  let alg: string;
  let privateKey: CryptoKey | KeyObject;
  let publicJwk: JWK;
  if (pair) {
    ({ alg, privateKey } = pair);
    const { kty, crv, x, y, n, e } = pair.publicJwk;
    publicJwk = Object.fromEntries(
      Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined),
    );
  } else {
    alg = 'ES256';
    const generated = await generateKeyPair(alg, { extractable: true });
    privateKey = generated.privateKey;
    publicJwk = await exportJWK(generated.publicKey);
  }
  const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    alg,
    thumbprint,
    proof({ method, url, accessToken, nonce }) {
      const target = new URL(url);
      target.search = '';
      target.hash = '';
      return new SignJWT({
        jti: randomBytes(16).toString('base64url'),
        htm: method.toUpperCase(),
        htu: target.href,
        iat: Math.floor(Date.now() / 1000),
        ...(accessToken !== undefined && {
          ath: createHash('sha256').update(accessToken).digest('base64url'),
        }),
        ...(nonce !== undefined && { nonce }),
      })
        .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: publicJwk })
        .sign(privateKey);
    },
  };
}
