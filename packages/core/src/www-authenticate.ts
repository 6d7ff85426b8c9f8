function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[\r\n]+/g, ' ')}"`;
}

/**
 * Formats a `Bearer` challenge (RFC 6750 §3): the scheme, a space, then comma-separated
 * `name="value"` pairs, every value quoted. Undefined and empty values are left out.
 */
export function formatBearerChallenge(params: Record<string, string | undefined>): string {
  const pairs = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([name, value]) => `${name}=${quote(value)}`);
  return pairs.length === 0 ? 'Bearer' : `Bearer ${pairs.join(', ')}`;
}
