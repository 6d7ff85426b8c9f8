import { AuthError, type AuthScheme } from './auth-error.js';

/**
 * Reads the bearer token of an `Authorization` header (RFC 6750 §2.1). Absent: a
 * `missing_token` error. Several headers, another scheme or a malformed value: an
 * `invalid_request` error. Tokens are never taken from a query string or a body.
 */
export function readBearerToken(header: string | readonly string[] | undefined): string {
  if (header === undefined || header === '') {
    throw new AuthError(
      'missing_token',
      'no access token was sent (expected an Authorization: Bearer header)',
    );
  }
  if (typeof header !== 'string') {
    if (header.length !== 1)
      throw new AuthError('invalid_request', 'more than one Authorization header was sent');
    return readBearerToken(header[0]);
  }
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    throw new AuthError(
      'invalid_request',
      `the Authorization scheme must be Bearer${namedScheme(header, space)}`,
    );
  }
  const token = header.slice(space + 1).trim();
  if (space === -1 || token.length === 0 || /\s/.test(token)) {
    throw new AuthError('invalid_request', 'the Authorization header holds no single bearer token');
  }
  return token;
}

/** Whether a query string carries a token, which is never accepted (RFC 9700 §2.5: URLs end up in logs). */
export function hasQueryToken(search: string): boolean {
  return /(?:^|[?&])access_token=/.test(search);
}

/**
 * `, not <scheme>` when the header names a scheme (a short word before a credential, such as
 * `Basic`); nothing when it does not, so a bare token's characters never reach an answer or a
 * log.
 */
function namedScheme(header: string, space: number): string {
  const scheme = header.slice(0, space);
  return space > 0 && /^[A-Za-z][A-Za-z0-9-]{0,19}$/.test(scheme) ? `, not ${scheme}` : '';
}

/** An access token and the `Authorization` scheme it came with. */
export interface AccessTokenCredential {
  scheme: AuthScheme;
  token: string;
}

/**
 * Reads the access token of an `Authorization` header sent with the `Bearer` (RFC 6750 §2.1)
 * or the `DPoP` (RFC 9449 §7.1) scheme, for resources that accept DPoP. Absent: a
 * `missing_token` error. Several headers, another scheme or a malformed value: an
 * `invalid_request` error (named under the scheme used, when it is one of the two).
 */
export function readAccessToken(
  header: string | readonly string[] | undefined,
): AccessTokenCredential {
  if (header === undefined || header === '') {
    throw new AuthError(
      'missing_token',
      'no access token was sent (expected an Authorization: Bearer or DPoP header)',
    );
  }
  if (typeof header !== 'string') {
    if (header.length !== 1)
      throw new AuthError('invalid_request', 'more than one Authorization header was sent');
    return readAccessToken(header[0]);
  }
  const space = header.indexOf(' ');
  const given = space === -1 ? header : header.slice(0, space);
  const scheme: AuthScheme | undefined =
    given.toLowerCase() === 'bearer'
      ? 'Bearer'
      : given.toLowerCase() === 'dpop'
        ? 'DPoP'
        : undefined;
  if (!scheme) {
    throw new AuthError(
      'invalid_request',
      `the Authorization scheme must be Bearer or DPoP${namedScheme(header, space)}`,
    );
  }
  const token = header.slice(space + 1).trim();
  if (space === -1 || token.length === 0 || /\s/.test(token)) {
    throw new AuthError(
      'invalid_request',
      `the Authorization header holds no single ${scheme} token`,
      { scheme },
    );
  }
  return { scheme, token };
}
