import { createHmac, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import type { SigningKey } from '@portcullis/testing';

/** Signs the JWS signing input (`header.payload`), returning the raw signature. */
export type Signer = (input: string) => Buffer;

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Assembles a compact JWS from any header and payload, for tokens no honest library would
 * sign (`alg: none`, unknown `crit`, attacker-chosen `jku`/`x5u`/`jwk`).
 */
export function forgeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signer?: Signer,
): string {
  const input = `${part(header)}.${part(payload)}`;
  return `${input}.${signer ? signer(input).toString('base64url') : ''}`;
}

/** RS256 with the private half of `key`. */
export function rs256(key: SigningKey): Signer {
  const privateKey = createPrivateKey({ key: key.privateJwk as never, format: 'jwk' });
  return (input) => sign('sha256', Buffer.from(input), privateKey);
}

/** HS256 with `secret` as the HMAC key (the alg-confusion attack uses the public key here). */
export function hs256(secret: string | Buffer): Signer {
  return (input) => createHmac('sha256', secret).update(input).digest();
}

/** The PEM (SPKI) text of a key's public half: what an alg-confusion attacker HMACs with. */
export function publicPem(key: SigningKey): string {
  return createPublicKey({ key: key.publicJwk as never, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

/** The claims of a well-formed read-write access token for `audience` from `issuer`, valid now. */
export function accessClaims(issuer: string, audience: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    sub: 'dev-user',
    aud: audience,
    client_id: 'dev-client',
    scope: 'files:read files:write files:list',
    iat: now,
    exp: now + 3600,
    jti: randomUUID(),
  };
}
