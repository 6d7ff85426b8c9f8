import type { Admission, AdmissionEntry } from './admission/admission-entry.js';
import { createAdmission } from './admission/create-admission.js';
import type { AuditSink } from './audit.js';
import type { AuthError } from './auth-error.js';
import type { AuthInfo } from './auth-info.js';
import type { CacheHintOptions } from './cache-hints.js';
import { type CachingVerifierOptions, createCachingVerifier } from './caching-verifier.js';
import { type Challenge, createChallenge, type JsonRpcId } from './challenge.js';
import { createDpopPolicy, type DpopMode, type DpopOptions } from './dpop-policy.js';
import type { ReplayCache } from './dpop-replay-cache.js';
import { createStderrLogger, type Logger } from './logger.js';
import {
  canonicalResource,
  createProtectedResourceMetadata,
  type ProtectedResourceMetadata,
  protectedResourceMetadataUrl,
} from './protected-resource-metadata.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Registry, TargetedRequest } from './registry.js';
import type { SubscriptionLimitOptions } from './resource-subscriptions.js';
import { createResourceUpdates, type ResourceUpdates } from './resource-updates.js';
import { canonicalResourceUri } from './resource-uri.js';
import { createServerFactory, type ServerFactory } from './server-factory.js';
import { expandSingleIssuer } from './single-issuer.js';
import { createAuditRecorder } from './telemetry/audit-telemetry.js';
import { observeAdmission } from './telemetry/auth-spans.js';
import {
  createTokenExchanger,
  type TokenExchangeOptions,
} from './token-exchange/token-exchanger.js';
import type { TokenVerifier } from './token-verifier.js';

/** Options for {@link createPortcullis}. */
export interface PortcullisOptions {
  /** The canonical URL of the MCP endpoint (e.g. `https://host/mcp`): the token audience. */
  resource: string | URL;
  /** Name and version announced to clients. */
  server: { name: string; version: string; title?: string; instructions?: string };
  registry: Registry;
  /**
   * The one authorization server whose JWT access tokens are accepted: the short form of
   * `verifier: createJwtVerifier({ issuers: [issuer], audience: resource })` with
   * `authorizationServers: [issuer]`. Give `issuer` or `verifier`, not both.
   */
  issuer?: string | URL;
  /**
   * Verifies bearer tokens (any {@link TokenVerifier}: JWTs of several issuers, introspection).
   * `false` turns authorization off, for local development or a conformance run: it must be
   * said explicitly, and every caller then gets every entry. Required unless `issuer` is given.
   */
  verifier?: TokenVerifier | false;
  /**
   * Issuers listed in the Protected Resource Metadata. Required with `verifier` (unless it is
   * false); with `issuer`, default `[issuer]`.
   */
  authorizationServers?: readonly string[];
  /** Reuse of verified tokens; on by default, `false` to verify every request. */
  cache?: CachingVerifierOptions | false;
  audit?: AuditSink;
  rateLimiter?: RateLimiter;
  /**
   * Where resource updates are announced. Default in this process only; behind a load
   * balancer, a hub shared by every instance (e.g. over Redis pub/sub), so a listener on one
   * instance hears an update made through another.
   */
  resourceUpdates?: ResourceUpdates;
  logger?: Logger;
  /** Optional `realm` of challenges. */
  realm?: string;
  /**
   * The key that seals the `requestState` of `input_required` results (HMAC-SHA256, at least
   * 32 bytes). Default: random per process. Give every instance behind a load balancer the
   * same key, or a multi round-trip request fails when its retry reaches another instance.
   */
  requestStateKey?: Uint8Array | string;
  /**
   * Remembers each `requestState` once used, so a sealed state is accepted once. Default in
   * this process; behind a load balancer, one every instance shares (`createRedisReplayCache`
   * of `@portcullis/redis`, with its own key prefix), or a state can be used once per instance.
   */
  requestStateReplayCache?: ReplayCache;
  /** Bounds per identity on resource subscriptions and `subscriptions/listen` streams. */
  subscriptionLimits?: SubscriptionLimitOptions;
  /** `ttlMs` and `cacheScope` of cacheable 2026-07-28 results; lists are `private` when auth is on. */
  cacheHints?: CacheHintOptions;
  resourceName?: string;
  resourceDocumentation?: string;
  /**
   * Sender-constrained tokens (DPoP, RFC 9449). Default `{ mode: 'off' }`: bearer tokens only,
   * exactly as before. See {@link DpopOptions}.
   */
  dpop?: DpopOptions;
  /**
   * Token exchange (RFC 8693) for calls to downstream APIs: backs `exchange()` in the handler
   * context. The caller's token is sent to the token endpoint only, never downstream. See
   * docs/downstream-calls.md.
   */
  tokenExchange?: TokenExchangeOptions;
}

/** The DPoP settings of a resource, for adapters. */
export interface DpopSettings {
  readonly mode: Exclude<DpopMode, 'off'>;
  readonly algorithms: readonly string[];
  /** The nonce for the `DPoP-Nonce` header, when nonces are on. */
  nonce(): string | undefined;
}

/** The resource's metadata document and where to serve it. */
export interface ResourceMetadataEndpoint {
  /** Absolute URL of the document. */
  url: string;
  /** Its path, for routing. */
  path: string;
  document: ProtectedResourceMetadata;
}

/**
 * A protected MCP server, independent of any transport. Adapters authenticate each request
 * with it, write its challenges, serve its metadata and connect its servers.
 */
export interface Portcullis {
  /** The canonical resource URL. */
  readonly resource: string;
  readonly registry: Registry;
  /** The Protected Resource Metadata to serve; absent with authorization off or a non-HTTP resource. */
  readonly metadata: ResourceMetadataEndpoint | undefined;
  /** Whether requests must carry a verified token. */
  readonly requiresAuth: boolean;
  readonly logger: Logger;
  /** The one server factory every transport uses. */
  readonly createServer: ServerFactory;
  /** DPoP, when on; `undefined` with `dpop` off. */
  readonly dpop: DpopSettings | undefined;
  /**
   * The one admission: every transport calls it for every entry — an HTTP request, a WebSocket
   * upgrade or re-authentication, a stdio start, and each JSON-RPC request on an open connection
   * (its budget and its token's expiry). It checks `Host` and `Origin`, reads exactly one
   * credential, verifies it, applies the rate limit (always before a DPoP proof is looked at),
   * then the key binding, and audits every refusal. Resolves the identity (`undefined` with
   * authorization off) or the refusal for the transport to translate; never rejects.
   */
  admit(entry: AdmissionEntry): Promise<Admission>;
  /**
   * The `insufficient_scope` refusal of a request (audited), for transports that refuse
   * before any server sees the request; `undefined` when allowed or not a guarded method.
   */
  authorize(
    request: TargetedRequest,
    auth: AuthInfo | undefined,
    transport?: string,
  ): AuthError | undefined;
  /** The HTTP answer to an auth failure. */
  challenge(error: AuthError, requestId?: JsonRpcId): Challenge;
  /** Records an audit event; never throws. */
  audit: AuditSink;
  /**
   * Tells every session and listen stream subscribed to `uri` that the resource changed. The
   * URI is announced in its canonical form (`file:///./a.txt` as `file:///a.txt`), the form
   * subscriptions are kept in.
   */
  notifyResourceUpdated(uri: string): void;
}

/** The one authorization server token exchange defaults to; refuses to guess among several. */
function onlyIssuer(issuers: readonly string[] | undefined): string {
  if (issuers?.length === 1) return issuers[0]!;
  throw new TypeError(
    'tokenExchange.issuer must name the authorization server that exchanges tokens when there is not exactly one',
  );
}

/**
 * Creates a {@link Portcullis}: verification, scopes, metadata and the server factory in one.
 *
 * @example
 * ```ts
 * // One issuer: its JWTs, with the resource URL as audience.
 * const portcullis = createPortcullis({
 *   resource: 'https://files.example.com/mcp',
 *   issuer: 'https://door.example.com',
 *   registry: createRegistry({ tools: [readFile] }),
 *   server: { name: 'files', version: '1.0.0' },
 * });
 * // Any other case: a verifier of your own, and the issuers clients get tokens from.
 * const full = createPortcullis({
 *   resource: 'https://files.example.com/mcp',
 *   verifier: createIntrospectionVerifier({ … }),
 *   authorizationServers: ['https://door.example.com'],
 *   registry,
 *   server,
 * });
 * ```
 */
export function createPortcullis(given: PortcullisOptions): Portcullis {
  const options = expandSingleIssuer(given);
  const resource = canonicalResource(options.resource);
  const logger = options.logger ?? createStderrLogger();
  const requiresAuth = options.verifier !== false;
  if (requiresAuth && !options.authorizationServers?.length) {
    throw new TypeError('authorizationServers must name the issuer(s) clients get tokens from');
  }
  const verifier =
    options.verifier === false
      ? undefined
      : options.cache === false
        ? options.verifier
        : createCachingVerifier(options.verifier, options.cache);

  const dpop = createDpopPolicy(options.dpop ?? { mode: 'off' });
  const servedOverHttp = /^https?:$/.test(new URL(resource).protocol);
  const metadataUrl = servedOverHttp ? protectedResourceMetadataUrl(resource) : undefined;
  const metadata: ResourceMetadataEndpoint | undefined =
    requiresAuth && metadataUrl
      ? {
          url: metadataUrl.href,
          path: metadataUrl.pathname,
          document: createProtectedResourceMetadata({
            resource,
            authorizationServers: options.authorizationServers ?? [],
            scopesSupported: options.registry.scopes,
            resourceName: options.resourceName ?? options.server.title ?? options.server.name,
            resourceDocumentation: options.resourceDocumentation,
            ...(dpop && {
              extra: {
                dpop_signing_alg_values_supported: [...dpop.algorithms],
                dpop_bound_access_tokens_required: dpop.mode === 'required',
              },
            }),
          }),
        }
      : undefined;

  // Refusals are also logged at warn, counted and set on the request's span.
  const audit = createAuditRecorder(options.audit, logger);

  const resourceUpdates = options.resourceUpdates ?? createResourceUpdates();

  const admission = createAdmission({
    verifier,
    dpop,
    rateLimiter: options.rateLimiter,
    audit,
  });
  // Entries that verify credentials get a span and a duration; a message's budget is too cheap to.
  const admit = (entry: AdmissionEntry): Promise<Admission> =>
    entry.kind === 'origin' || entry.kind === 'message'
      ? admission(entry)
      : observeAdmission(entry.transport, () => admission(entry));

  return {
    resource,
    registry: options.registry,
    metadata,
    requiresAuth,
    logger,
    createServer: createServerFactory({
      info: options.server,
      instructions: options.server.instructions,
      registry: options.registry,
      requireAuth: requiresAuth,
      // Without a sink, the factory builds no audit event for allowed calls.
      audit: options.audit,
      logger,
      resourceUpdates,
      requestStateKey: options.requestStateKey,
      requestStateReplayCache: options.requestStateReplayCache,
      subscriptionLimits: options.subscriptionLimits,
      cacheHints: options.cacheHints,
      tokenExchanger:
        options.tokenExchange &&
        createTokenExchanger({
          ...options.tokenExchange,
          issuer: options.tokenExchange.issuer ?? onlyIssuer(options.authorizationServers),
          audit,
        }),
    }),
    dpop: dpop && { mode: dpop.mode, algorithms: dpop.algorithms, nonce: dpop.nonce },
    admit,
    authorize(request, auth, transport) {
      const denial = auth && options.registry.denialFor(request, auth);
      if (!denial) return undefined;
      const error = auth.dpopThumbprint ? denial.error.withScheme('DPoP') : denial.error;
      audit({
        type: 'access_denied',
        kind: denial.kind,
        target: denial.target,
        issuer: auth.issuer,
        subject: auth.subject,
        clientId: auth.clientId,
        missingScopes: [...denial.missingScopes],
        transport,
      });
      return error;
    },
    challenge: (error, requestId) =>
      createChallenge(error, {
        resourceMetadataUrl: metadataUrl?.href,
        scopes: options.registry.scopes,
        realm: options.realm,
        requestId,
        dpop: dpop && { algorithms: dpop.algorithms, required: dpop.mode === 'required' },
      }),
    audit,
    notifyResourceUpdated: (uri) => resourceUpdates.notify(canonicalResourceUri(uri)),
  };
}
