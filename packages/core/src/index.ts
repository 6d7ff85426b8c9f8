/**
 * OAuth 2.1 protection for Model Context Protocol servers: what an application author uses —
 * `createPortcullis`, token verifiers, the scope-aware registry (`defineTool`, …), rate limits,
 * DPoP settings, and the types tools and options see. Transport authors find the rest in
 * `@portcullis/core/adapter`, client code in `@portcullis/core/client`.
 *
 * @packageDocumentation
 * @module @portcullis/core
 */
export { defaultScopeMapper, type ScopeMapper } from './access-token-claims.js';
export type {
  AccessDecisionEvent,
  AuditEvent,
  AuditSink,
  AuditTargetKind,
  AuthenticationFailedEvent,
  ListenDecisionEvent,
  RateLimitedEvent,
  SessionMismatchEvent,
  TokenExchangeEvent,
} from './audit.js';
export {
  AuthError,
  type AuthErrorCode,
  type AuthErrorOptions,
  type AuthScheme,
  invalidToken,
} from './auth-error.js';
export type { AuthInfo } from './auth-info.js';
export { identityKey } from './auth-info.js';
export type { CacheHintOptions } from './cache-hints.js';
export { type CachingVerifierOptions, createCachingVerifier } from './caching-verifier.js';
export {
  CASDOOR_BUILTIN_KEY_THUMBPRINT,
  casdoorEndpoints,
  casdoorScopeImplications,
} from './casdoor.js';
export { clientSecretBasic } from './client-secret-basic.js';
export {
  type AuthOf,
  type Completer,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  type InputObject,
  type PromptDefinition,
  type RequireAuthOption,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
  type ToolDefinition,
  type ToolInputSchema,
  type ToolInputShape,
} from './definitions.js';
export { createDpopNonces, type DpopNonceOptions, type DpopNonces } from './dpop-nonce.js';
export { DEFAULT_DPOP_ALGORITHMS, type DpopMode, type DpopOptions } from './dpop-policy.js';
export {
  createMemoryReplayCache,
  type MemoryReplayCacheOptions,
  type ReplayCache,
  ReplayCacheFullError,
} from './dpop-replay-cache.js';
export type { FetchLike } from './fetch-json.js';
export type {
  AuthenticatedHandlerContext,
  HandlerContext,
  TransportKind,
} from './handler-context.js';
export {
  createIntrospectionVerifier,
  type IntrospectionCacheEntry,
  type IntrospectionCacheStore,
  type IntrospectionVerifierOptions,
} from './introspection-verifier.js';
export { JsonRpcError } from './json-rpc-error.js';
export type { JsonSchemaObject } from './json-schema.js';
export { DEFAULT_JWS_ALGORITHMS } from './jws-algorithms.js';
export {
  createJwtVerifier,
  type JwksOptions,
  type JwtVerifierOptions,
  type TrustedIssuer,
} from './jwt-verifier.js';
export { createStderrLogger, type Logger, type LogLevel } from './logger.js';
export type * from './mcp-types.js';
export {
  createPortcullis,
  type DpopSettings,
  type Portcullis,
  type PortcullisOptions,
  type ResourceMetadataEndpoint,
} from './portcullis.js';
export type { ProtectedResourceMetadata } from './protected-resource-metadata.js';
export type { ProtocolEra } from './protocol-versions.js';
export {
  createMemoryRateLimiter,
  type MemoryRateLimiter,
  type MemoryRateLimiterOptions,
  type RateLimitDecision,
  type RateLimiter,
} from './rate-limiter.js';
export {
  type ArgumentCheck,
  createRegistry,
  insufficientScopeData,
  type RegisteredEntry,
  type RegisteredTemplate,
  type Registry,
  type RegistryOptions,
  type ResolvedResource,
  type ScopeDenial,
  type TargetedRequest,
  type ToolListing,
} from './registry.js';
export {
  createRemoteKeySet,
  type RemoteKeySet,
  type RemoteKeySetOptions,
  type SelectedKey,
  type VerificationKey,
} from './remote-key-set.js';
export type { SubscriptionLimitOptions } from './resource-subscriptions.js';
export { createResourceUpdates, type ResourceUpdates } from './resource-updates.js';
export { MAX_RESOURCE_URI_LENGTH } from './resource-uri.js';
export {
  createScopePolicy,
  parseScopeValue,
  type ScopeImplications,
  type ScopePolicy,
  type ScopePolicyOptions,
} from './scope-policy.js';
export type {
  McpServer,
  ServerContext,
  ServerFactory,
} from './server-factory.js';
export { INSTRUMENTATION_SCOPE } from './telemetry/telemetry.js';
export type { ClientAuthentication } from './token-exchange/client-authentication.js';
export { ExchangedToken } from './token-exchange/exchanged-token.js';
export {
  createMemoryExchangedTokenStore,
  type ExchangedTokenRecord,
  type ExchangedTokenStore,
  type MemoryExchangedTokenStoreOptions,
} from './token-exchange/exchanged-token-store.js';
export {
  createServerDpopKey,
  type ServerDpopKey,
  type ServerDpopKeyPair,
} from './token-exchange/server-dpop-key.js';
export { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from './token-exchange/token-endpoint.js';
export {
  TokenExchangeError,
  type TokenExchangeErrorCode,
  type TokenExchangeErrorOptions,
} from './token-exchange/token-exchange-error.js';
export {
  createTokenExchanger,
  type TokenExchangeOptions,
  type TokenExchangeRequest,
  type TokenExchanger,
} from './token-exchange/token-exchanger.js';
export type { TokenVerifier, WarningHandler } from './token-verifier.js';
export { warnOnStderr } from './token-verifier.js';
