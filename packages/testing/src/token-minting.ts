import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { type AuthorizationServerProfile, shapeAsCasdoor, type TokenShape } from './profiles.js';
import { keyFits, privateKeyFor, type SigningKey } from './signing-keys.js';

/** Options for minting a token directly, without a grant. */
export interface MintTokenOptions {
  /** Scopes, joined into `scope`. Default none. */
  scopes?: readonly string[];
  /** `aud`: a resource URL or client id, or several. Required: tokens without audience are pointless here. */
  audience: string | readonly string[];
  /** `sub`. Default `dev-user`. */
  subject?: string;
  /** The client the token is for (`client_id`, or `azp` in the Casdoor profile). Default `dev-client`. */
  clientId?: string;
  /** Lifetime in seconds from `issuedAt`; negative for an already expired token. Default 3600. */
  expiresIn?: number;
  /** `nbf` relative to now, in seconds (positive: not valid yet). Default: absent (Casdoor: `iat`). */
  notBeforeIn?: number;
  /** `iat` in seconds since the epoch. Default now. */
  issuedAt?: number;
  /** Signing algorithm. Default: the current key's own. Any RSA algorithm works with an RSA key. */
  alg?: string;
  /** Sign with this key instead of the current one (e.g. a key the JWKS does not publish). */
  key?: SigningKey;
  /** Another `iss`. Default the server's issuer. */
  issuer?: string;
  /** Casdoor's `tokenType` (`access-token`, `refresh-token`, `id-token`). */
  tokenType?: string;
  /** Header fields to set or override (`typ`, `kid`, …). */
  header?: Record<string, unknown>;
  /** Further claims. */
  claims?: Record<string, unknown>;
}

/** Signs an access token as the server with `keys` would issue it, shaped by `profile`. */
export async function mintToken(
  issuer: string,
  profile: AuthorizationServerProfile,
  keys: readonly SigningKey[],
  options: MintTokenOptions,
): Promise<string> {
  const signing =
    options.key ?? (options.alg ? keys.find((key) => keyFits(key, options.alg!)) : keys[0]);
  if (!signing) throw new Error(`no signing key fits ${options.alg}`);
  const alg = options.alg ?? signing.alg;
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const clientId = options.clientId ?? 'dev-client';
  const shape: TokenShape = {
    header: { typ: 'at+jwt', kid: signing.kid },
    payload: {
      iss: options.issuer ?? issuer,
      sub: options.subject ?? 'dev-user',
      aud: typeof options.audience === 'string' ? options.audience : [...options.audience],
      client_id: clientId,
      scope: (options.scopes ?? []).join(' '),
      iat,
      exp: iat + (options.expiresIn ?? 3600),
      jti: randomUUID(),
      ...(options.notBeforeIn !== undefined && { nbf: iat + options.notBeforeIn }),
      ...(options.tokenType !== undefined && { tokenType: options.tokenType }),
      ...options.claims,
    },
  };
  if (profile === 'casdoor') shapeAsCasdoor(shape, 'user');
  Object.assign(shape.header, options.header);
  return new SignJWT(shape.payload)
    .setProtectedHeader({ ...shape.header, alg })
    .sign(await privateKeyFor(signing, alg));
}
