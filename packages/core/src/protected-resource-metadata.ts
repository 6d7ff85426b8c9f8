/** An OAuth 2.0 Protected Resource Metadata document (RFC 9728 §2). */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
  resource_documentation?: string;
  [key: string]: unknown;
}

/** Options for {@link createProtectedResourceMetadata}. */
export interface ProtectedResourceMetadataOptions {
  /** The canonical URI of the MCP endpoint, e.g. `https://host/mcp`. */
  resource: string | URL;
  /** The issuers that grant tokens for this resource. */
  authorizationServers: readonly string[];
  scopesSupported?: readonly string[];
  resourceName?: string;
  resourceDocumentation?: string;
  /** Further members, e.g. `resource_signing_alg_values_supported`. */
  extra?: Record<string, unknown>;
}

/**
 * The canonical form of a resource URI (RFC 8707 §2): no fragment, lower-case scheme and host
 * (the URL parser does that), and no trailing slash on a bare origin.
 */
export function canonicalResource(resource: string | URL): string {
  const url = new URL(resource);
  if (url.hash) throw new TypeError(`a resource URI has no fragment: ${url.href}`);
  if (url.search) throw new TypeError(`a resource URI should have no query: ${url.href}`);
  return url.pathname === '/' ? url.origin : url.href;
}

/**
 * Where a resource's metadata is served (RFC 9728 §3.1): the well-known segment goes between
 * the host and the path, so `https://host/mcp` has its metadata at
 * `https://host/.well-known/oauth-protected-resource/mcp`.
 */
export function protectedResourceMetadataUrl(resource: string | URL): URL {
  const url = new URL(canonicalResource(resource));
  const path = url.pathname === '/' ? '' : url.pathname;
  return new URL(`/.well-known/oauth-protected-resource${path}`, url.origin);
}

/** Builds the Protected Resource Metadata document (RFC 9728) for a resource. */
export function createProtectedResourceMetadata(
  options: ProtectedResourceMetadataOptions,
): ProtectedResourceMetadata {
  if (options.authorizationServers.length === 0) {
    throw new TypeError('protected resource metadata needs at least one authorization server');
  }
  return {
    ...options.extra,
    resource: canonicalResource(options.resource),
    authorization_servers: [...options.authorizationServers],
    ...(options.scopesSupported && { scopes_supported: [...options.scopesSupported] }),
    bearer_methods_supported: ['header'],
    ...(options.resourceName && { resource_name: options.resourceName }),
    ...(options.resourceDocumentation && { resource_documentation: options.resourceDocumentation }),
  };
}
