/**
 * DPoP proofs (RFC 9449) signed synchronously with `node:crypto`, so that the load generator
 * can put a fresh proof (new `jti`, current `iat`) on every request autocannon sends.
 */

import type { JsonWebKey } from 'node:crypto';
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

/** An ES256 key pair as JWKs, and the RFC 7638 thumbprint a bound token carries as `cnf.jkt`. */
export interface DpopKeyPair {
  privateJwk: JsonWebKey;
  publicJwk: { kty: string; crv: string; x: string; y: string };
  thumbprint: string;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function createDpopKeyPair(): DpopKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { crv, x, y } = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const publicJwk = { kty: 'EC', crv: crv!, x: x!, y: y! };
  // RFC 7638: the required members, in lexicographic order, no whitespace.
  const canonical = JSON.stringify({ crv, kty: 'EC', x, y });
  return {
    privateJwk: privateKey.export({ format: 'jwk' }),
    publicJwk,
    thumbprint: createHash('sha256').update(canonical).digest('base64url'),
  };
}

/** Returns a function signing one proof for `POST url` with `accessToken`, each call fresh. */
export function dpopProofSigner(keys: DpopKeyPair, url: string, accessToken: string) {
  const key = createPrivateKey({ key: keys.privateJwk, format: 'jwk' });
  const header = base64url(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: keys.publicJwk }));
  const ath = createHash('sha256').update(accessToken).digest('base64url');
  return (): string => {
    const claims = base64url(
      JSON.stringify({
        jti: randomBytes(16).toString('base64url'),
        htm: 'POST',
        htu: url,
        iat: Math.floor(Date.now() / 1000),
        ath,
      }),
    );
    const input = `${header}.${claims}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  };
}
