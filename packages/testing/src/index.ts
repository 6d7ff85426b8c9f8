/**
 * A real OAuth 2.1 / OpenID Connect authorization server (oidc-provider) for developing and testing MCP servers, with token helpers and a Casdoor profile.
 *
 * @packageDocumentation
 * @module @portcullis/testing
 */
export {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  DEFAULT_SCOPES,
  startAuthorizationServer,
} from './authorization-server.js';
export type { ClientRegistration, RegisteredClient } from './client-registration.js';
export { createDpopKey, type DpopKey, type DpopProofOptions, dpopProof } from './dpop-keys.js';
export { RUNTIME_NOTE } from './oidc-provider-module.js';
export type { AuthorizationServerProfile, ProfileRoutes } from './profiles.js';
export { PROFILE_ROUTES } from './profiles.js';
export { generateSigningKey, type SigningAlgorithm, type SigningKey } from './signing-keys.js';
export { TOKEN_EXCHANGE_GRANT } from './token-exchange-grant.js';
export type { MintTokenOptions } from './token-minting.js';
export {
  type AuthorizationCodeTokenOptions,
  approveAuthorization,
  type ClientAuthMethod,
  type ClientCredentialsTokenOptions,
  type RefreshTokenOptions,
  requestClientCredentialsToken,
  requestRefreshToken,
  TokenRequestError,
  type TokenResponse,
} from './token-requests.js';
