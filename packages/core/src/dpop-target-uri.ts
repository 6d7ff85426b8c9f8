const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The form of a URL that a DPoP proof's `htu` is compared in (RFC 9449 §4.3, with RFC 3986
 * §6.2.2 and §6.2.3 normalisation): scheme, host and path only — no query, no fragment —
 * with the scheme and host lower-cased, the default port dropped, an empty path as `/`, and
 * percent-encoded unreserved characters decoded (`%7E` is `~`; other escapes upper-cased).
 * `ws:` and `wss:` compare as `http:` and `https:`, the URLs of the upgrade request.
 * Returns `undefined` for anything that is not an absolute `http(s)` or `ws(s)` URL.
 */
export function dpopTargetUri(url: string | URL): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const scheme = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' }[
    parsed.protocol
  ];
  if (!scheme || parsed.username || parsed.password) return undefined;
  const port =
    parsed.port === '' ||
    (scheme === 'http:' && parsed.port === '80') ||
    (scheme === 'https:' && parsed.port === '443')
      ? ''
      : `:${parsed.port}`;
  const path = parsed.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${scheme}//${parsed.hostname}${port}${path || '/'}`;
}

/**
 * The URL a request was sent to, as an adapter knows it: the scheme of the canonical resource
 * (what clients were told, also behind a TLS proxy), the `Host` the adapter already checked
 * (or the resource's own), and the request's path. Adapters hand this to `authenticate`.
 */
export function requestUrl(resource: string, host: string | undefined, pathname: string): string {
  const base = new URL(resource);
  return `${base.protocol}//${host ?? base.host}${pathname.startsWith('/') ? pathname : `/${pathname}`}`;
}
