import type { IncomingMessage } from 'node:http';

/** The path and query a request names. */
export interface RequestTarget {
  pathname: string;
  /** The query string with its `?`, or `''`. */
  search: string;
}

/**
 * The target of a request, read the same way wherever a routing decision is taken (the Koa
 * middleware and the handler), so that they can never disagree: origin form (`/mcp?x`) and
 * absolute form (`http://host/mcp`, RFC 9112 §3.2.2), whose authority must then be the `Host`
 * header. `undefined` for anything else (`*`, authority form, a mismatched authority).
 */
export function requestTarget(
  req: Pick<IncomingMessage, 'url' | 'headers'>,
): RequestTarget | undefined {
  const url = req.url ?? '/';
  if (url.startsWith('/')) {
    const queryAt = url.indexOf('?');
    return queryAt === -1
      ? { pathname: url, search: '' }
      : { pathname: url.slice(0, queryAt), search: url.slice(queryAt) };
  }
  if (!/^https?:\/\//i.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.host !== req.headers.host?.toLowerCase()) return undefined;
  return { pathname: parsed.pathname, search: parsed.search };
}
