/**
 * Helpers for MCP clients of a Portcullis-protected server: reading its challenges, its
 * `insufficient_scope` refusals and token refusals (401), and discovering its authorization server.
 *
 * @packageDocumentation
 * @module @portcullis/core/client
 */
export {
  type AuthorizationServerMetadata,
  type DiscoveryOptions,
  discoverAuthorizationServer,
  discoveryUrls,
} from './authorization-server-discovery.js';
export {
  type InsufficientScopeDetails,
  InsufficientScopeError,
  insufficientScopeOf,
  isInsufficientScope,
} from './insufficient-scope.js';
export { UnauthorizedRefusal, unauthorizedOf } from './unauthorized.js';
export { parseBearerChallenge, parseChallenge } from './www-authenticate.js';
