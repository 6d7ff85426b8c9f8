import { AuthError } from '../auth-error.js';
import {
  type AccessTokenCredential,
  hasQueryToken,
  readAccessToken,
  readBearerToken,
} from '../bearer-token.js';
import type { RequestEntry } from './admission-entry.js';
import { subprotocolTokens } from './bearer-subprotocol.js';

/** The one refusal of two credentials, whatever their kinds and wherever they were sent. */
export const MORE_THAN_ONE_CREDENTIAL = 'more than one access token was sent; send exactly one';

/**
 * The `access_token` query parameters of a request where the transport accepts them; where it
 * does not, a token in the URL is refused (URLs end up in logs, RFC 9700 §2.5).
 */
export function queryTokens(entry: RequestEntry): string[] {
  if (!hasQueryToken(entry.search)) return [];
  if (entry.acceptQueryToken) return new URLSearchParams(entry.search).getAll('access_token');
  throw new AuthError(
    'invalid_request',
    `access tokens are accepted ${
      entry.subprotocols
        ? 'in the Authorization header or a bearer subprotocol'
        : 'only in the Authorization header'
    }, never in the URL`,
  );
}

/**
 * The one credential of an HTTP request or WebSocket upgrade, out of its `Authorization`
 * headers, its `bearer.` subprotocol entries and (where accepted) its `access_token` query
 * parameters. Two of any kind, or of two kinds, are refused alike; none is `missing_token`; a
 * token in the URL where none is accepted is refused before anything else is read.
 */
export function readPresentedCredential(
  entry: RequestEntry,
  dpopAccepted: boolean,
): AccessTokenCredential {
  const fromQuery = queryTokens(entry);
  const headers =
    entry.authorization === undefined
      ? []
      : typeof entry.authorization === 'string'
        ? [entry.authorization]
        : entry.authorization;
  const inBand = [...subprotocolTokens(entry.subprotocols ?? []), ...fromQuery];
  if (headers.length + inBand.length > 1)
    throw new AuthError('invalid_request', MORE_THAN_ONE_CREDENTIAL);
  if (inBand.length === 1) {
    const token = inBand[0]!;
    if (token.length === 0 || /\s/.test(token))
      throw new AuthError('invalid_request', 'the access token is empty or holds whitespace');
    return { scheme: 'Bearer', token };
  }
  return readHeaderCredential(headers[0], dpopAccepted);
}

/** The credential of one `Authorization` value: `Bearer`, or `DPoP` where DPoP is accepted. */
export function readHeaderCredential(
  header: string | undefined,
  dpopAccepted: boolean,
): AccessTokenCredential {
  return dpopAccepted
    ? readAccessToken(header)
    : { scheme: 'Bearer', token: readBearerToken(header) };
}
