import { type FetchLike, fetchJson } from './fetch-json.js';

/** The parts of RFC 8414 / OpenID Connect discovery metadata Portcullis uses. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri?: string;
  token_endpoint?: string;
  introspection_endpoint?: string;
  [key: string]: unknown;
}

/** Options for {@link discoverAuthorizationServer}. */
export interface DiscoveryOptions {
  fetch?: FetchLike;
  timeoutMs?: number;
}

/**
 * The well-known URLs to try for an issuer, in order: OpenID Connect (path appended) then
 * RFC 8414 (well-known segment inserted before the path).
 */
export function discoveryUrls(issuer: string): URL[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    new URL(`${url.origin}${path}/.well-known/openid-configuration`),
    new URL(`${url.origin}/.well-known/oauth-authorization-server${path}`),
  ];
}

/**
 * Fetches an authorization server's metadata from its issuer identifier, and checks that the
 * document names that same issuer (a mix-up defence: RFC 8414 §3.3).
 */
export async function discoverAuthorizationServer(
  issuer: string,
  options: DiscoveryOptions = {},
): Promise<AuthorizationServerMetadata> {
  const failures: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    let metadata: Record<string, unknown>;
    try {
      metadata = await fetchJson(url, {
        fetch: options.fetch,
        timeoutMs: options.timeoutMs ?? 5_000,
      });
    } catch (error) {
      failures.push((error as Error).message);
      continue;
    }
    if (metadata.issuer !== issuer) {
      throw new Error(
        `${url} names issuer ${JSON.stringify(metadata.issuer)}, expected ${JSON.stringify(issuer)}`,
      );
    }
    return metadata as AuthorizationServerMetadata;
  }
  throw new Error(`discovery of ${issuer} failed: ${failures.join('; ')}`);
}
