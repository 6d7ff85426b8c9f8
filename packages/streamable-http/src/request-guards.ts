import type { IncomingMessage } from 'node:http';

/** The `Host` a request names, from `X-Forwarded-Host` only when the proxy is trusted. */
export function requestHost(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwarded = trustProxy ? req.headers['x-forwarded-host'] : undefined;
  const value = typeof forwarded === 'string' ? forwarded.split(',')[0]!.trim() : req.headers.host;
  return value?.toLowerCase();
}

/** Whether an `Accept` header admits a media type (`*\/*` and `type/*` count). */
export function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return false;
  const [type] = mediaType.split('/');
  return accept.split(',').some((part) => {
    const range = part.split(';')[0]!.trim().toLowerCase();
    return range === mediaType || range === '*/*' || range === `${type}/*`;
  });
}

/** Whether the query string carries a token, which is never accepted (RFC 9700 §2.5). */
export function hasQueryToken(search: string): boolean {
  return /(?:^|[?&])access_token=/.test(search);
}
