import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/** The JWS algorithms the test server can sign with. */
export type SigningAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA';

/** One signing key: its private JWK (for oidc-provider) and public JWK (for the JWKS). */
export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateJwk: JWK;
  publicJwk: JWK;
}

const KEY_FAMILY: Record<SigningAlgorithm, string> = {
  RS256: 'RSA',
  PS256: 'RSA',
  ES256: 'EC',
  ES384: 'EC',
  EdDSA: 'OKP',
};

/** Generates a fresh key pair for `alg`, with a random `kid` unless one is given. */
export async function generateSigningKey(
  alg: SigningAlgorithm,
  kid: string = randomUUID(),
): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    crv: alg === 'EdDSA' ? 'Ed25519' : undefined,
  });
  const meta = { kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

/** Whether a key can sign with `alg` (e.g. an RS256 key can sign RS512, as Casdoor does). */
export function keyFits(key: SigningKey, alg: string): boolean {
  const family =
    alg.startsWith('RS') || alg.startsWith('PS') ? 'RSA' : alg.startsWith('ES') ? 'EC' : 'OKP';
  if (KEY_FAMILY[key.alg] !== family) return false;
  return family !== 'EC' || key.alg === alg;
}

/** Imports the private half of `key` for signing with `alg`. */
export function privateKeyFor(key: SigningKey, alg: string) {
  const { alg: _published, use: _use, ...material } = key.privateJwk;
  return importJWK(material, alg);
}
