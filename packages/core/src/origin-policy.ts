import { clippedText } from './clipped-text.js';

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether a hostname is a loopback name or address. */
export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname) || hostname.startsWith('127.');
}

/** Options for {@link createOriginPolicy}. */
export interface OriginPolicyOptions {
  /**
   * Origins allowed to call (checked on every request that sends `Origin`). Default: the
   * resource's own origin, plus loopback origins when the resource is on loopback.
   */
  allowedOrigins?: readonly string[];
  /**
   * `Host` values accepted (DNS rebinding protection). Default: checked only when the resource
   * is on loopback, against the loopback names with the resource's port.
   */
  allowedHosts?: readonly string[];
}

/** Which browser origins and `Host` values a resource accepts. */
export interface OriginPolicy {
  /** Whether a request with this `Origin` may go on; requests without one (non-browser) may. */
  allowsOrigin(origin: string | undefined): boolean;
  /** Whether a request naming this `Host` may go on (always, when hosts are not checked). */
  allowsHost(host: string | undefined): boolean;
  /**
   * The message of a refused `Host`: the host refused, the host(s) expected, and the two fixes
   * behind a reverse proxy (forward `Host`, or `trustProxy` to check `X-Forwarded-Host`).
   */
  hostRefusal(host: string | undefined): string;
}

/**
 * The origin policy of a resource. A browser page on another origin, or a DNS-rebinding
 * attack that reaches a loopback server under a foreign host name, is refused.
 */
export function createOriginPolicy(
  resource: string,
  options: OriginPolicyOptions = {},
): OriginPolicy {
  const url = new URL(resource);
  const loopback = isLoopbackHostname(url.hostname);
  const port = url.port ? `:${url.port}` : '';
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  const origins = new Set(
    options.allowedOrigins ??
      (loopback
        ? [
            url.origin,
            ...names.flatMap((name) => [`http://${name}${port}`, `https://${name}${port}`]),
          ]
        : [url.origin]),
  );
  const hostList =
    options.allowedHosts ??
    (loopback ? [url.host, ...names.map((name) => `${name}${port}`)] : undefined);
  const hosts = hostList && new Set(hostList.map((host) => host.toLowerCase()));
  const expected = options.allowedHosts
    ? `one of ${options.allowedHosts.join(', ')} (allowedHosts)`
    : `${url.host} (the host of the resource URL ${resource})`;
  return {
    allowsOrigin: (origin) => origin === undefined || origins.has(origin),
    allowsHost: (host) => !hosts || (host !== undefined && hosts.has(host.toLowerCase())),
    hostRefusal: (host) =>
      `Forbidden: Host ${host === undefined ? '(none)' : clippedText(host)} is not allowed; this server expects Host ${expected}. ` +
      'Behind a reverse proxy, either forward the Host clients use (nginx: proxy_set_header Host $http_host) ' +
      'and make the resource URL the one clients use, or set trustProxy: true so X-Forwarded-Host is checked instead',
  };
}

/** The `Host` a request names: `X-Forwarded-Host` when a proxy in front is trusted, else `Host`. */
export function requestHost(
  headers: { host?: string; 'x-forwarded-host'?: string | string[] },
  trustProxy: boolean,
): string | undefined {
  const forwarded = trustProxy ? headers['x-forwarded-host'] : undefined;
  const value = typeof forwarded === 'string' ? forwarded.split(',')[0]!.trim() : headers.host;
  return value?.toLowerCase();
}
