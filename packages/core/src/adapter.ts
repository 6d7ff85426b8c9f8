/**
 * What a transport author needs to serve a Portcullis over a transport of their own: the one
 * admission (`portcullis.admit`) and its entries, challenges, the server channel, the HTTP
 * routing and message reading steps, the transport-neutral HTTP decision step
 * (`createHttpDecision`) and what carries out its plans, the connection era, origin policy,
 * DPoP request pieces and JSON-RPC helpers. An adapter imports only this entry and the root `@portcullis/core`.
 *
 * @packageDocumentation
 * @module @portcullis/core/adapter
 */
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
export { invalidDpopProof } from './auth-error.js';
export {
  type AccessTokenCredential,
  hasQueryToken,
  readAccessToken,
  readBearerToken,
} from './bearer-token.js';
export { bodyLimitOf, bodyLimitOfBody, SMALL_BODY_BYTES } from './body-limits.js';
export {
  type Challenge,
  type ChallengeContext,
  createChallenge,
  type JsonRpcId,
  UNAUTHORIZED_ERROR_CODE,
} from './challenge.js';
export {
  type ConnectionEraDecision,
  type ConnectionMessage,
  decideConnectionEra,
} from './connection-era.js';
export { type CorsOptions, corsHeaders, preflightHeaders } from './cors.js';
export {
  boundThumbprint,
  createDpopPolicy,
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
export { dpopTargetUri, requestUrl } from './dpop-target-uri.js';
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
  type ClassifiedMessage,
  classifyMessage,
  errorResponse,
  JsonRpcErrorCode,
  type RequestId,
} from './json-rpc.js';
export { collectResponses, dispatchAll, type LegacyDispatch } from './legacy-dispatch.js';
export {
  batchRefusal,
  type LegacyPost,
  type PostedLegacyMessage,
  type PostedLegacyRequest,
  readLegacyPost,
} from './legacy-post.js';
export { type ListeningAddress, listen } from './listen.js';
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
  canonicalResource,
  createProtectedResourceMetadata,
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
  primesStreams,
  supportedProtocolVersions,
} from './protocol-versions.js';
export { type ReadMessage, readMessage } from './read-message.js';
export {
  createServerChannel,
  type DispatchOptions,
  type MessageSink,
  type ServerChannel,
  type ServerChannelOptions,
} from './server-channel.js';
export { createServerFactory, type ServerFactoryOptions } from './server-factory.js';
export { formatSseEvent, formatSsePriming, SSE_HEADERS, SSE_KEEP_ALIVE } from './sse-format.js';
export { createStatelessChannels, type StatelessChannels } from './stateless-channels.js';
export { type OpenKind, trackOpen } from './telemetry/open-count.js';
export { type TraceHeaders, withTraceContext } from './telemetry/trace-context.js';
export { formatBearerChallenge, formatChallenge } from './www-authenticate.js';
