/**
 * OAuth 2.1 protection for Model Context Protocol servers: token verification, scopes, a scope-aware tool registry, metadata and challenges.
 *
 * @packageDocumentation
 * @module @portcullis/core
 */
export { defaultScopeMapper, type ScopeMapper } from './access-token-claims.js';
export type {
  Admission,
  AdmissionEntry,
  BrowserCheck,
  LocalUser,
  MessageEntry,
  OriginEntry,
  ReauthenticationEntry,
  RequestEntry,
  StartEntry,
} from './admission/admission-entry.js';
export {
  subprotocolTokens,
  TOKEN_SUBPROTOCOL_PREFIX,
} from './admission/bearer-subprotocol.js';
export { MORE_THAN_ONE_CREDENTIAL } from './admission/presented-credential.js';
export { RATE_LIMITED_ERROR_CODE, refusalResponse } from './admission/refusal-response.js';
export type {
  AccessDecisionEvent,
  AuditEvent,
  AuditSink,
  AuditTargetKind,
  AuthenticationFailedEvent,
  RateLimitedEvent,
  SessionMismatchEvent,
} from './audit.js';
export {
  AuthError,
  type AuthErrorCode,
  type AuthErrorOptions,
  type AuthScheme,
  invalidDpopProof,
  invalidToken,
} from './auth-error.js';
export type { AuthInfo } from './auth-info.js';
export { identityKey } from './auth-info.js';
export {
  type AuthorizationServerMetadata,
  type DiscoveryOptions,
  discoverAuthorizationServer,
  discoveryUrls,
} from './authorization-server-discovery.js';
export {
  type AccessTokenCredential,
  hasQueryToken,
  readAccessToken,
  readBearerToken,
} from './bearer-token.js';
// Adapter-facing: the transport-neutral HTTP decision step and what adapters need to carry out
// its plans. These move to the `@portcullis/core/adapter` entry when it exists (issue 25).
export { bodyLimitOf, bodyLimitOfBody, SMALL_BODY_BYTES } from './body-limits.js';
export { type CachingVerifierOptions, createCachingVerifier } from './caching-verifier.js';
export {
  CASDOOR_BUILTIN_KEY_THUMBPRINT,
  casdoorEndpoints,
  casdoorScopeImplications,
} from './casdoor.js';
export {
  type Challenge,
  type ChallengeContext,
  createChallenge,
  type JsonRpcId,
  UNAUTHORIZED_ERROR_CODE,
} from './challenge.js';
export { clientSecretBasic } from './client-secret-basic.js';
export {
  type ConnectionEraDecision,
  type ConnectionMessage,
  decideConnectionEra,
} from './connection-era.js';
export { type CorsOptions, corsHeaders, preflightHeaders } from './cors.js';
export { createDpopNonces, type DpopNonceOptions, type DpopNonces } from './dpop-nonce.js';
export {
  boundThumbprint,
  createDpopPolicy,
  DEFAULT_DPOP_ALGORITHMS,
  type DpopMode,
  type DpopOptions,
  type DpopPolicy,
  type DpopRequest,
  isKeyBound,
} from './dpop-policy.js';
export {
  type DpopProofOptions,
  type DpopProofTarget,
  type VerifiedDpopProof,
  verifyDpopProof,
} from './dpop-proof.js';
export {
  createMemoryReplayCache,
  type MemoryReplayCacheOptions,
  type ReplayCache,
  ReplayCacheFullError,
} from './dpop-replay-cache.js';
export { dpopTargetUri, requestUrl } from './dpop-target-uri.js';
export type { FetchLike } from './fetch-json.js';
export type {
  AuthenticatedHandlerContext,
  HandlerContext,
  TransportKind,
} from './handler-context.js';
export { type DecodedHeaderValue, decodeHeaderValue } from './header-value.js';
export {
  challengeAnswer,
  emptyAnswer,
  type HttpAnswer,
  jsonRpcErrorAnswer,
} from './http-answer.js';
export {
  createHttpDecision,
  type HeadDecision,
  type HttpDecision,
  type HttpDecisionOptions,
  type HttpRequestHead,
  type PostHead,
  type SessionRequest,
  type StatelessBodyDecision,
  type StatelessHeadDecision,
} from './http-decision.js';
export {
  answerExchange,
  type Exchange,
  type ExchangeResponder,
  type PostedMessage,
} from './http-exchange.js';
export {
  type BodyDecision,
  type PostBody,
  payloadTooLargeAnswer,
  type ResponseMode,
  refusalAnswer,
} from './http-post-decision.js';
export {
  HEADER_MISMATCH_ERROR_CODE,
  type HttpRoute,
  type McpRequestHeaders,
  type ModernMessage,
  modernErrorStatus,
  type PostRefusal,
  routeHttpPost,
  targetFromHeaders,
  UNSUPPORTED_VERSION_ERROR_CODE,
} from './http-route.js';
export {
  type InsufficientScopeDetails,
  InsufficientScopeError,
  insufficientScopeOf,
  isInsufficientScope,
} from './insufficient-scope.js';
export {
  createIntrospectionVerifier,
  type IntrospectionCacheEntry,
  type IntrospectionCacheStore,
  type IntrospectionVerifierOptions,
} from './introspection-verifier.js';
export {
  type ClassifiedMessage,
  classifyMessage,
  errorResponse,
  JsonRpcErrorCode,
  type RequestId,
} from './json-rpc.js';
export { JsonRpcError } from './json-rpc-error.js';
export type { JsonSchemaObject } from './json-schema.js';
export { DEFAULT_JWS_ALGORITHMS } from './jws-algorithms.js';
export {
  createJwtVerifier,
  type JwksOptions,
  type JwtVerifierOptions,
  type TrustedIssuer,
} from './jwt-verifier.js';
export { collectResponses, dispatchAll, type LegacyDispatch } from './legacy-dispatch.js';
export {
  batchRefusal,
  type LegacyPost,
  type PostedLegacyMessage,
  type PostedLegacyRequest,
  readLegacyPost,
} from './legacy-post.js';
export { type ListeningAddress, listen } from './listen.js';
export { createStderrLogger, type Logger, type LogLevel } from './logger.js';
export type * from './mcp-types.js';
export { accepts } from './media-type.js';
export {
  createOriginPolicy,
  isLoopbackHostname,
  type OriginPolicy,
  type OriginPolicyOptions,
  requestHost,
} from './origin-policy.js';
export { type ParamHeader, paramHeaderMismatch, paramHeadersOf } from './param-headers.js';
export {
  createPortcullis,
  type DpopSettings,
  type Portcullis,
  type PortcullisOptions,
  type ResourceMetadataEndpoint,
} from './portcullis.js';
export {
  canonicalResource,
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  protectedResourceMetadataUrl,
} from './protected-resource-metadata.js';
export {
  allowsBatches,
  defaultProtocolVersion,
  isModernProtocolVersion,
  latestProtocolVersion,
  legacyProtocolVersions,
  modernProtocolVersions,
  type ProtocolEra,
  primesStreams,
  supportedProtocolVersions,
} from './protocol-versions.js';
export {
  createMemoryRateLimiter,
  type MemoryRateLimiter,
  type MemoryRateLimiterOptions,
  type RateLimitDecision,
  type RateLimiter,
} from './rate-limiter.js';
export { type ReadMessage, readMessage } from './read-message.js';
export {
  type ArgumentCheck,
  type AuthOf,
  type Completer,
  createRegistry,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  type InputObject,
  insufficientScopeData,
  type PromptDefinition,
  type RegisteredEntry,
  type RegisteredTemplate,
  type Registry,
  type RegistryOptions,
  type RequireAuthOption,
  type ResolvedResource,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
  type ScopeDenial,
  type TargetedRequest,
  type ToolDefinition,
  type ToolInputSchema,
  type ToolInputShape,
  type ToolListing,
} from './registry.js';
export {
  createRemoteKeySet,
  type RemoteKeySet,
  type RemoteKeySetOptions,
  type SelectedKey,
  type VerificationKey,
} from './remote-key-set.js';
export { createResourceUpdates, type ResourceUpdates } from './resource-updates.js';
export {
  createScopePolicy,
  parseScopeValue,
  type ScopeImplications,
  type ScopePolicy,
  type ScopePolicyOptions,
} from './scope-policy.js';
export {
  createServerChannel,
  type DispatchOptions,
  type MessageSink,
  type ServerChannel,
  type ServerChannelOptions,
} from './server-channel.js';
export {
  type CacheHintOptions,
  createServerFactory,
  type McpServer,
  type ServerContext,
  type ServerFactory,
  type ServerFactoryOptions,
} from './server-factory.js';
export { formatSseEvent, formatSsePriming, SSE_HEADERS, SSE_KEEP_ALIVE } from './sse-format.js';
export { createStatelessChannels, type StatelessChannels } from './stateless-channels.js';
export type { TokenVerifier, WarningHandler } from './token-verifier.js';
export { warnOnStderr } from './token-verifier.js';
export {
  formatBearerChallenge,
  formatChallenge,
  parseBearerChallenge,
  parseChallenge,
} from './www-authenticate.js';
