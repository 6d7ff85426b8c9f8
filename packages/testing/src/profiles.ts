/**
 * How the server shapes its endpoints and tokens.
 *
 * - `standard`: oidc-provider's own shape, RFC 9068 JWT access tokens (`typ: at+jwt`,
 *   `client_id` claim, `aud` = the requested resource).
 * - `casdoor`: what a real Casdoor issues (see Casdoor's source): `typ: JWT`, `aud` always an
 *   array, `azp` instead of `client_id`, a `tokenType` claim, `aud: [client_id]` for client
 *   credentials whatever `resource` says, the key id `cert-built-in`, and Casdoor's paths.
 */
export type AuthorizationServerProfile = 'standard' | 'casdoor';

/** Endpoint paths of a profile. */
export interface ProfileRoutes {
  token: string;
  jwks: string;
  introspection: string;
  /** Token revocation (RFC 7009); the Casdoor profile's path is this server's own. */
  revocation: string;
  registration: string;
  authorization: string;
}

/** The paths each profile serves. */
export const PROFILE_ROUTES: Record<AuthorizationServerProfile, ProfileRoutes> = {
  standard: {
    token: '/token',
    jwks: '/jwks',
    introspection: '/token/introspection',
    revocation: '/token/revocation',
    registration: '/reg',
    authorization: '/auth',
  },
  casdoor: {
    token: '/api/login/oauth/access_token',
    jwks: '/.well-known/jwks',
    introspection: '/api/login/oauth/introspect',
    revocation: '/api/login/oauth/revoke',
    registration: '/api/oauth/register',
    authorization: '/login/oauth/authorize',
  },
};

/** A JWT before signing: header fields to add and the claims. */
export interface TokenShape {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** Rewrites an RFC 9068 token into the shape Casdoor issues. */
export function shapeAsCasdoor(token: TokenShape, grant: 'client_credentials' | 'user'): void {
  const { payload } = token;
  const clientId = payload.client_id as string;
  token.header.typ = 'JWT';
  delete payload.client_id;
  payload.azp = clientId;
  payload.tokenType ??= 'access-token';
  payload.nbf ??= payload.iat;
  if (grant === 'client_credentials') {
    payload.aud = [clientId];
    payload.sub = `admin/${clientId}`;
  } else if (typeof payload.aud === 'string') {
    payload.aud = [payload.aud];
  }
}
