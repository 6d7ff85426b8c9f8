import { randomBytes, randomUUID } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import type { AuthorizationServerProfile } from './profiles.js';
import { TOKEN_EXCHANGE_GRANT } from './token-exchange-grant.js';

/** A client to register with the server. */
export interface ClientRegistration {
  /** Default: a random id. */
  clientId?: string;
  /** Default: a random secret; ignored for public clients. */
  clientSecret?: string;
  /**
   * Default `['client_credentials']`. Add `urn:ietf:params:oauth:grant-type:token-exchange`
   * for an MCP server that exchanges its callers' tokens (RFC 8693).
   */
  grantTypes?: ReadonlyArray<
    'client_credentials' | 'authorization_code' | 'refresh_token' | typeof TOKEN_EXCHANGE_GRANT
  >;
  /** Needed for the authorization code grant. */
  redirectUris?: readonly string[];
  /** Default `client_secret_basic`, or `client_secret_post` in the Casdoor profile; `none` for a public client. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** A registered client's credentials. */
export interface RegisteredClient {
  clientId: string;
  /** Absent for public clients. */
  clientSecret?: string;
}

/** The oidc-provider metadata of a client registration. */
export function toClientMetadata(
  registration: ClientRegistration,
  profile: AuthorizationServerProfile,
) {
  // Every client may reach the token exchange grant, which answers those without it itself
  // (`unauthorized_client`, or Casdoor's `unsupported_grant_type`), as the servers it stands for do.
  const grantTypes = [
    ...new Set([...(registration.grantTypes ?? ['client_credentials']), TOKEN_EXCHANGE_GRANT]),
  ];
  const method =
    registration.tokenEndpointAuthMethod ??
    (profile === 'casdoor' ? 'client_secret_post' : 'client_secret_basic');
  const metadata: ClientMetadata = {
    client_id: registration.clientId ?? `client-${randomUUID()}`,
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    redirect_uris: [...(registration.redirectUris ?? [])],
    token_endpoint_auth_method: method,
  };
  if (method !== 'none')
    metadata.client_secret = registration.clientSecret ?? randomBytes(24).toString('base64url');
  return metadata;
}
