import {
  ProtocolErrorCode,
  type ServerContext as SdkServerContext,
  type Server,
} from '@modelcontextprotocol/server';
import type { AuditSink, AuditTargetKind } from './audit.js';
import { type AuthInfo, identityKey } from './auth-info.js';
import { UNAUTHORIZED_ERROR_CODE } from './challenge.js';
import { createIdentityQuota, type IdentityQuota } from './identity-quota.js';
import { JsonRpcError } from './json-rpc-error.js';
import type { Registry } from './registry.js';
import type { ResourceUpdates } from './resource-updates.js';
import { canonicalResourceUri, checkResourceUri } from './resource-uri.js';
import { trackOpen } from './telemetry/open-count.js';

/** Bounds on the resource subscriptions a caller can make a server hold. */
export interface SubscriptionLimitOptions {
  /** Open `subscriptions/listen` streams per identity, in this process. Default 16. */
  listenStreamsPerIdentity?: number;
  /** Resource URIs one `subscriptions/listen` request may name (more: `-32602`). Default 1000. */
  urisPerListen?: number;
  /** 2025-era `resources/subscribe` subscriptions per identity, over all its sessions in this process. Default 256. */
  subscriptionsPerIdentity?: number;
}

/** The counters behind {@link SubscriptionLimitOptions}, shared by every server of a factory. */
export interface SubscriptionQuotas {
  readonly listenStreams: IdentityQuota;
  readonly subscriptions: IdentityQuota;
  readonly urisPerListen: number;
}

/** Creates the counters of {@link SubscriptionLimitOptions}, once per process (per factory). */
export function createSubscriptionQuotas(
  options: SubscriptionLimitOptions = {},
): SubscriptionQuotas {
  return {
    listenStreams: createIdentityQuota(options.listenStreamsPerIdentity ?? 16),
    subscriptions: createIdentityQuota(options.subscriptionsPerIdentity ?? 256),
    urisPerListen: options.urisPerListen ?? 1000,
  };
}

/** `-32000`: a server error; here, a per-identity bound reached. */
const LIMIT_REACHED_ERROR_CODE = -32000;
/** The longest delay `setTimeout` takes (about 24.8 days); later expiries are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Handler = (request: never, ctx: SdkServerContext) => unknown;

/** What the subscription handlers need of the server they are registered on. */
export interface SubscriptionHandlersOptions {
  server: Server;
  on(method: string, handler: Handler): void;
  registry: Registry;
  quotas: SubscriptionQuotas;
  resourceUpdates: ResourceUpdates | undefined;
  /**
   * Whether the server serves many callers without a session (stateless HTTP). It then has
   * nowhere to deliver a 2025-era update, so it offers no `resources/subscribe` at all.
   */
  shared: boolean;
  /** Whether the registry has resources: without, only `subscriptions/listen` is served. */
  hasResources: boolean;
  /** The identity of a request, or a refusal when one is required and missing or expired. */
  callerOf(ctx: SdkServerContext): AuthInfo | undefined;
  /** Refuses with `insufficient_scope` (audited), or returns the function that audits the outcome. */
  admit(
    kind: AuditTargetKind,
    target: string,
    method: string,
    params: unknown,
    auth: AuthInfo | undefined,
  ): (failed: boolean) => void;
  audit: AuditSink | undefined;
  transport: string;
}

const keyOf = (auth: AuthInfo | undefined) => (auth ? identityKey(auth) : '');
const expiryOf = (auth: AuthInfo | undefined) =>
  auth ? auth.expiresAt * 1000 : Number.POSITIVE_INFINITY;
const tokenExpired = () =>
  new JsonRpcError(UNAUTHORIZED_ERROR_CODE, 'Unauthorized', 'token has expired');

/**
 * Registers `resources/subscribe` and `resources/unsubscribe` (2025, sessions and connections
 * only) and `subscriptions/listen` (2026-07-28) on a server. Every subscription names a
 * resource the caller may read, counts against a per-identity bound, and ends with the token
 * that made it. Returns the function that ends them all (the server is closing).
 */
export function registerSubscriptionHandlers(options: SubscriptionHandlersOptions): () => void {
  const { on, registry, quotas, callerOf } = options;

  /** The canonical URI of a subscription request, refused when it names no resource. */
  const resolvable = (uri: unknown) => {
    checkResourceUri(uri);
    const canonical = canonicalResourceUri(uri);
    if (!registry.resolveResource(canonical))
      throw new JsonRpcError(ProtocolErrorCode.ResourceNotFound, `Resource ${uri} not found`, {
        uri,
      });
    return canonical;
  };

  /** uri → who subscribed and until when (the expiry of the token that subscribed). */
  const subscriptions = new Map<string, { key: string; expiresAt: number }>();
  const drop = (uri: string) => {
    const entry = subscriptions.get(uri);
    if (!entry) return;
    subscriptions.delete(uri);
    quotas.subscriptions.give(entry.key);
  };
  let stopUpdates: (() => void) | undefined;
  if (options.hasResources && !options.shared) {
    stopUpdates = options.resourceUpdates?.listen((uri) => {
      const entry = subscriptions.get(uri);
      if (!entry) return;
      if (entry.expiresAt <= Date.now()) drop(uri);
      else void options.server.sendResourceUpdated({ uri }).catch(() => undefined);
    });
    on('resources/subscribe', (rawRequest, ctx) => {
      const request = rawRequest as { method: string; params: { uri: unknown } };
      const auth = callerOf(ctx);
      const uri = resolvable(request.params.uri);
      options.admit('resource', uri, request.method, { uri }, auth)(false);
      const key = keyOf(auth);
      const held = subscriptions.get(uri);
      if (held?.key !== key) {
        if (!quotas.subscriptions.take(key))
          throw new JsonRpcError(
            LIMIT_REACHED_ERROR_CODE,
            `too many resource subscriptions: at most ${quotas.subscriptions.limit} per identity; unsubscribe first`,
          );
        if (held) quotas.subscriptions.give(held.key);
      }
      subscriptions.set(uri, { key, expiresAt: expiryOf(auth) });
      return {};
    });
    on('resources/unsubscribe', (rawRequest, ctx) => {
      callerOf(ctx);
      const { uri } = (rawRequest as { params: { uri: unknown } }).params;
      checkResourceUri(uri);
      drop(canonicalResourceUri(uri));
      return {};
    });
  }

  const closeListeners = new Set<() => void>();
  /**
   * `subscriptions/listen` (2026-07-28): acknowledges the resource subscriptions the caller
   * may read (the others are left out, and counted in one audit record), then relays their
   * updates until the client goes away, the server closes (a result) or the token expires
   * (a `-32001` error). The registry is fixed, so list-changed kinds are never acknowledged.
   */
  on('subscriptions/listen', (rawRequest, ctx) => {
    const request = rawRequest as {
      params: { notifications?: { resourceSubscriptions?: unknown } };
    };
    const auth = callerOf(ctx);
    const requested = request.params.notifications?.resourceSubscriptions;
    const named: unknown[] = Array.isArray(requested) ? requested : [];
    if (named.length > quotas.urisPerListen)
      throw new JsonRpcError(
        ProtocolErrorCode.InvalidParams,
        `subscriptions/listen names ${named.length} resource URIs; at most ${quotas.urisPerListen} are accepted per request`,
      );
    const uris = new Set<string>();
    let denied = 0;
    let unknown = 0;
    for (const uri of named) {
      checkResourceUri(uri);
      const canonical = canonicalResourceUri(uri);
      const resource = registry.resolveResource(canonical);
      if (!resource) unknown += 1;
      else if (auth && !registry.allows(resource.entry.definition.scopes, auth)) denied += 1;
      else uris.add(canonical);
    }
    const key = keyOf(auth);
    if (!quotas.listenStreams.take(key))
      throw new JsonRpcError(
        LIMIT_REACHED_ERROR_CODE,
        `too many open subscriptions/listen streams: at most ${quotas.listenStreams.limit} per identity; close one first`,
      );
    options.audit?.({
      type: 'listen_opened',
      issuer: auth?.issuer,
      subject: auth?.subject,
      clientId: auth?.clientId,
      requested: named.length,
      acknowledged: uris.size,
      denied,
      unknown,
      transport: options.transport,
    });

    const meta = { 'io.modelcontextprotocol/subscriptionId': ctx.mcpReq.id };
    return new Promise((resolve, reject) => {
      const closed = trackOpen('listen_stream', options.transport);
      const stop = options.resourceUpdates?.listen((uri) => {
        if (uris.has(uri))
          void ctx.mcpReq
            .notify({ method: 'notifications/resources/updated', params: { uri, _meta: meta } })
            .catch(() => undefined);
      });
      let timer: NodeJS.Timeout | undefined;
      let open = true;
      const end = () => {
        if (!open) return false;
        open = false;
        stop?.();
        closed();
        clearTimeout(timer);
        closeListeners.delete(close);
        quotas.listenStreams.give(key);
        return true;
      };
      const close = () => {
        if (end()) resolve({ _meta: meta });
      };
      const expiresAt = expiryOf(auth);
      const watchExpiry = () => {
        const left = expiresAt - Date.now();
        if (left <= 0) {
          if (end()) reject(tokenExpired());
          return;
        }
        timer = setTimeout(watchExpiry, Math.min(left, MAX_TIMER_MS));
        timer.unref();
      };
      closeListeners.add(close);
      ctx.mcpReq.signal.addEventListener('abort', end, { once: true });
      if (Number.isFinite(expiresAt)) watchExpiry();
      void ctx.mcpReq
        .notify({
          method: 'notifications/subscriptions/acknowledged',
          params: {
            _meta: meta,
            notifications: uris.size > 0 ? { resourceSubscriptions: [...uris] } : {},
          },
        })
        .catch(() => undefined);
    });
  });

  return () => {
    stopUpdates?.();
    for (const uri of [...subscriptions.keys()]) drop(uri);
    for (const close of [...closeListeners]) close();
  };
}
