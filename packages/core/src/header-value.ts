const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const VISIBLE_ASCII = /^[\x20-\x7e]*$/;

/** A header value decoded as SEP-2243 says, or why it cannot be. */
export type DecodedHeaderValue = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Decodes an `Mcp-Name` or `Mcp-Param-*` header value: `=?base64?…?=` is strict Base64 of
 * UTF-8 text (padding required, nothing outside the alphabet); anything else is taken
 * literally, and must then be visible ASCII. Surrounding whitespace is not part of the value.
 */
export function decodeHeaderValue(raw: string): DecodedHeaderValue {
  const value = raw.trim();
  if (!VISIBLE_ASCII.test(value)) return { ok: false, reason: 'contains invalid characters' };
  if (!value.startsWith(SENTINEL_PREFIX) || !value.endsWith(SENTINEL_SUFFIX))
    return { ok: true, value };
  const encoded = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!BASE64.test(encoded)) return { ok: false, reason: 'is not valid Base64' };
  const decoded = Buffer.from(encoded, 'base64');
  try {
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(decoded) };
  } catch {
    return { ok: false, reason: 'is not valid UTF-8 once decoded' };
  }
}
