import { discoverAuthorizationServer } from '@portcullis/core/client';
import { readChallenge } from './refusal.js';

/** What discovery found for a protected MCP server. */
export interface DiscoveredAuthorization {
  issuer: string;
  tokenEndpoint: string;
  /** The resource the server names itself; the `resource` to ask tokens for. */
  resource: string | undefined;
  scopesSupported: string[];
  /** Whether the server accepts HTTP Basic at its token endpoint. */
  basicAuth: boolean;
}

/**
 * Follows a 401 challenge to a token endpoint: `resource_metadata` from `WWW-Authenticate`, the
 * Protected Resource Metadata (RFC 9728), then the authorization server's metadata (RFC 8414 or
 * OpenID Connect discovery).
 */
export async function discoverFromChallenge(
  wwwAuthenticate: string | null | undefined,
): Promise<DiscoveredAuthorization> {
  const challenge = readChallenge(wwwAuthenticate);
  const metadataUrl = challenge?.resource_metadata;
  if (!metadataUrl)
    throw new Error(
      'the server answered 401 without resource_metadata in its challenge; give --token-url',
    );
  const response = await fetch(metadataUrl, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${metadataUrl} answered HTTP ${response.status}`);
  const resource = (await response.json()) as {
    resource?: string;
    authorization_servers?: string[];
    scopes_supported?: string[];
  };
  const issuer = resource.authorization_servers?.[0];
  if (!issuer) throw new Error(`${metadataUrl} names no authorization server`);
  const server = await discoverAuthorizationServer(issuer, { timeoutMs: 10_000 });
  if (typeof server.token_endpoint !== 'string')
    throw new Error(`the metadata of ${issuer} names no token endpoint`);
  const methods = server.token_endpoint_auth_methods_supported as string[] | undefined;
  return {
    issuer,
    tokenEndpoint: server.token_endpoint,
    resource: resource.resource,
    scopesSupported: resource.scopes_supported ?? [],
    basicAuth: methods === undefined || methods.includes('client_secret_basic'),
  };
}
