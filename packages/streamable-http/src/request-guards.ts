import type { IncomingMessage } from 'node:http';

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether a hostname is a loopback name or address. */
export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname) || hostname.startsWith('127.');
}

/** The origins and hosts a resource accepts by default: its own, plus loopback when it is local. */
export function defaultAllowances(resource: string): {
  origins: string[];
  hosts: string[] | undefined;
} {
  const url = new URL(resource);
  if (!isLoopbackHostname(url.hostname)) return { origins: [url.origin], hosts: undefined };
  const port = url.port ? `:${url.port}` : '';
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  return {
    origins: [
      url.origin,
      ...names.flatMap((name) => [`http://${name}${port}`, `https://${name}${port}`]),
    ],
    hosts: [url.host, ...names.map((name) => `${name}${port}`)],
  };
}

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
