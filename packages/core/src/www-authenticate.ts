/**
 * A quoted-string that is always a valid header value (RFC 6750 §3 allows visible ASCII and
 * space): the values may carry text from a token, so line breaks become a space, anything
 * else outside visible ASCII (control characters, non-ASCII) becomes `?`, and quotes and
 * backslashes are escaped.
 */
function quote(value: string): string {
  return `"${value
    .replace(/[\r\n]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * Formats one challenge of an auth scheme (RFC 9110 §11.6.1): the scheme, a space, then
 * comma-separated `name="value"` pairs, every value quoted and sanitised. Undefined and empty
 * values are left out. Used for `Bearer` (RFC 6750 §3) and `DPoP` (RFC 9449 §7.1); several
 * challenges go in one header value joined by `, `.
 */
export function formatChallenge(
  scheme: string,
  params: Record<string, string | undefined>,
): string {
  const pairs = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([name, value]) => `${name}=${quote(value)}`);
  return pairs.length === 0 ? scheme : `${scheme} ${pairs.join(', ')}`;
}

/**
 * Formats a `Bearer` challenge (RFC 6750 §3): the scheme, a space, then comma-separated
 * `name="value"` pairs, every value quoted. Undefined and empty values are left out.
 */
export function formatBearerChallenge(params: Record<string, string | undefined>): string {
  return formatChallenge('Bearer', params);
}

/**
 * Reads the parameters of a `Bearer` challenge (`WWW-Authenticate: Bearer realm="x", scope="a b"`),
 * for clients: quoted or token values, escapes undone, names lower-cased. Returns `undefined`
 * when the header holds no Bearer challenge.
 */
export function parseBearerChallenge(
  header: string | null | undefined,
): Record<string, string> | undefined {
  return parseChallenge(header, 'Bearer');
}

/**
 * Reads the parameters of the challenge of one scheme (`Bearer`, `DPoP`) in a
 * `WWW-Authenticate` value that may hold several: quoted or token values, escapes undone,
 * names lower-cased. Returns `undefined` when the header holds no challenge of that scheme.
 */
export function parseChallenge(
  header: string | null | undefined,
  scheme: string,
): Record<string, string> | undefined {
  if (!header || !/^[A-Za-z0-9_-]+$/.test(scheme)) return undefined;
  const match = new RegExp(`(?:^|,\\s*)${scheme}(?:\\s+|$)`, 'i').exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*(?:,\s*|$)/y;
  pattern.lastIndex = match.index + match[0].length;
  for (let found = pattern.exec(header); found; found = pattern.exec(header)) {
    params[found[1]!.toLowerCase()] =
      found[2] !== undefined ? found[2].replace(/\\(.)/g, '$1') : found[3]!;
  }
  return params;
}
