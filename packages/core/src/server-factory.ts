import { randomBytes } from 'node:crypto';
import {
  ProtocolErrorCode,
  type ServerContext as SdkServerContext,
  Server,
} from '@modelcontextprotocol/server';
import type { AuditSink, AuditTargetKind } from './audit.js';
import type { AuthInfo } from './auth-info.js';
import { type CacheHintOptions, cacheHintsOf } from './cache-hints.js';
import { UNAUTHORIZED_ERROR_CODE } from './challenge.js';
import { createMemoryReplayCache, type ReplayCache } from './dpop-replay-cache.js';
import type { TransportKind } from './handler-context.js';
import { createHandlerContextOf } from './handler-context-of.js';
import { JsonRpcError } from './json-rpc-error.js';
import type { Logger } from './logger.js';
import { supportedProtocolVersions } from './protocol-versions.js';
import type { Registry } from './registry.js';
import { createRequestStates } from './request-state.js';
import {
  createSubscriptionQuotas,
  registerSubscriptionHandlers,
  type SubscriptionLimitOptions,
} from './resource-subscriptions.js';
import type { ResourceUpdates } from './resource-updates.js';
import { checkResourceUri } from './resource-uri.js';
import { createAuditRecorder } from './telemetry/audit-telemetry.js';
import { traceHandler } from './telemetry/handler-span.js';
import { labelServer } from './telemetry/server-labels.js';
import { stepUpRefusal } from './token-exchange/handler-exchange.js';
import type { TokenExchanger } from './token-exchange/token-exchanger.js';
import { visibleListings } from './visible-listings.js';

/** What a transport knows when it asks for a server instance. */
export interface ServerContext {
  /** The identity that opened the session or connection; per-request auth takes precedence. */
  auth: AuthInfo | undefined;
  transport: TransportKind;
  /**
   * Whether the server serves many callers without a session (stateless HTTP): it then keeps
   * no state between requests and offers no 2025-era `resources/subscribe`, as it has no
   * session to deliver an update to. Default `false`: a session or connection of its own.
   */
  shared?: boolean;
}

/** An MCP server instance, ready to be connected to one transport (either era). */
export type McpServer = Server;

/** The one factory every transport uses: `(ctx: { auth, transport }) => server`. */
export type ServerFactory = (context: ServerContext) => McpServer;

/** Options for {@link createServerFactory}. */
export interface ServerFactoryOptions {
  /** Name and version announced in `initialize`, `server/discover` and every 2026-07-28 result. */
  info: { name: string; version: string; title?: string };
  instructions?: string;
  registry: Registry;
  /**
   * Whether requests must carry a verified identity. When true (the default), a request that
   * reaches a server without one, or whose token has expired, is refused: it fails closed.
   * Lists then depend on the caller, so their cache scope is always `private`.
   */
  requireAuth?: boolean;
  audit?: AuditSink;
  logger: Logger;
  /** Where resource changes are announced to subscribed sessions. */
  resourceUpdates?: ResourceUpdates;
  /**
   * The key that seals the `requestState` of `input_required` results (HMAC, at least 32
   * bytes). Default: random per process, so a multi round-trip request must come back to the
   * same process; give every instance behind a load balancer the same key.
   */
  requestStateKey?: Uint8Array | string;
  /** Seconds a sealed `requestState` stays valid. Default 600. */
  requestStateTtlSeconds?: number;
  /**
   * Remembers each `requestState` once used, so it is accepted once. Default in this process
   * (100,000 states); behind a load balancer, one shared by every instance (Redis).
   */
  requestStateReplayCache?: ReplayCache;
  /** Bounds on subscriptions and listen streams per identity. */
  subscriptionLimits?: SubscriptionLimitOptions;
  cacheHints?: CacheHintOptions;
  /** Backs `HandlerContext.exchange`; without it, `exchange` fails with `not_configured`. */
  tokenExchanger?: TokenExchanger;
}

type Handler = (request: never, ctx: SdkServerContext) => unknown;

/** The outcome of an allowed call when there is no audit sink: nothing to build or record. */
const notAudited = (_failed: boolean) => {};

function toolError(message: string) {
  return { content: [{ type: 'text' as const, text: message }], isError: true };
}

/**
 * Creates the server factory: each call builds a low-level SDK `Server` whose handlers consult
 * the registry with the identity of the request being served, so scopes are decided per
 * request (a refreshed token takes effect at once) rather than once per session. The same
 * server serves 2025-era clients (after `initialize`) and 2026-07-28 requests (when connected
 * through a modern channel); which one is the channel's choice.
 */
export function createServerFactory(options: ServerFactoryOptions): ServerFactory {
  const { registry, logger } = options;
  const requireAuth = options.requireAuth ?? true;
  if (!requireAuth) {
    const needy = [
      ...registry.tools.values(),
      ...registry.resources.values(),
      ...registry.resourceTemplates.values(),
      ...registry.prompts.values(),
    ].find((entry) => entry.definition.requireAuth === true);
    if (needy) {
      const { definition } = needy as { definition: { name: string } };
      throw new Error(
        `"${definition.name}" is declared with requireAuth: true, but authorization is off (verifier: false): give the server a verifier, or drop requireAuth`,
      );
    }
  }
  const hasResources = registry.resources.size > 0 || registry.resourceTemplates.size > 0;
  const capabilitiesOf = (subscribe: boolean) => ({
    ...(registry.tools.size > 0 && { tools: { listChanged: false } }),
    ...(hasResources && { resources: { subscribe, listChanged: false } }),
    ...(registry.prompts.size > 0 && { prompts: { listChanged: false } }),
    ...(registry.hasCompletions && { completions: {} }),
    logging: {},
  });
  const ownCapabilities = capabilitiesOf(true);
  const sharedCapabilities = capabilitiesOf(false);
  const cacheHints = cacheHintsOf(options.cacheHints, requireAuth);
  const requestStateKey = options.requestStateKey ?? randomBytes(32);
  const requestStateReplayCache = options.requestStateReplayCache ?? createMemoryReplayCache();
  const quotas = createSubscriptionQuotas(options.subscriptionLimits);

  // Refusals are also logged at warn, counted and set on the request's span.
  const audit = createAuditRecorder(options.audit, logger);

  return ({ auth: sessionAuth, transport, shared = false }) => {
    const authOf = (ctx: SdkServerContext) =>
      (ctx.http?.authInfo as AuthInfo | undefined) ?? sessionAuth;
    // Sealed state is bound to the method, the caller and the target, and used once.
    const requestStates = createRequestStates({
      key: requestStateKey,
      ttlSeconds: options.requestStateTtlSeconds ?? 600,
      replayCache: requestStateReplayCache,
      authOf,
    });
    const server = new Server(options.info, {
      capabilities: shared ? sharedCapabilities : ownCapabilities,
      supportedProtocolVersions: [...supportedProtocolVersions],
      cacheHints,
      requestState: { verify: (state, ctx) => requestStates.verify(state, ctx) },
      ...(options.instructions && { instructions: options.instructions }),
    });
    labelServer(server, {
      transport,
      hasTool: (name) => registry.tools.has(name),
      hasPrompt: (name) => registry.prompts.has(name),
    });
    server.onerror = (error) => logger.debug({ err: error.message }, 'mcp server error');
    const on = (method: string, handler: Handler) =>
      (server.setRequestHandler as unknown as (method: string, handler: Handler) => void)(
        method,
        handler,
      );

    /** The identity of this request, or a refusal when one is required and missing or expired. */
    const callerOf = (ctx: SdkServerContext): AuthInfo | undefined => {
      const auth = authOf(ctx);
      if (!requireAuth) return auth;
      if (!auth)
        throw new JsonRpcError(UNAUTHORIZED_ERROR_CODE, 'Unauthorized', 'no verified access token');
      if (auth.expiresAt * 1000 <= Date.now())
        throw new JsonRpcError(UNAUTHORIZED_ERROR_CODE, 'Unauthorized', 'token has expired');
      return auth;
    };

    const contextOf = createHandlerContextOf({
      server,
      logger,
      transport,
      requestStates,
      tokenExchanger: options.tokenExchanger,
    });

    /** Refuses with `insufficient_scope` (and audits), or returns a function that audits the outcome. */
    const admit = (
      kind: AuditTargetKind,
      target: string,
      method: string,
      params: unknown,
      auth: AuthInfo | undefined,
    ) => {
      const identity = {
        issuer: auth?.issuer,
        subject: auth?.subject,
        clientId: auth?.clientId,
        transport,
      };
      const denial = auth && registry.denialFor({ method, params }, auth);
      if (denial) {
        audit({
          type: 'access_denied',
          kind,
          target,
          ...identity,
          missingScopes: [...denial.missingScopes],
        });
        throw new JsonRpcError(UNAUTHORIZED_ERROR_CODE, 'insufficient_scope', denial.error.data);
      }
      if (!options.audit) return notAudited;
      const started = performance.now();
      return (failed: boolean) =>
        audit({
          type: 'access_allowed',
          kind,
          target,
          ...identity,
          missingScopes: [],
          durationMs: performance.now() - started,
          failed,
        });
    };

    /** Runs a handler in its span and audits it; an exchange lacking caller scopes steps up. */
    const run = async <T>(
      done: (failed: boolean) => void,
      target: string,
      handler: () => T | Promise<T>,
    ): Promise<T> => {
      try {
        const result = await traceHandler(target, handler);
        done((result as { isError?: boolean }).isError === true);
        return result;
      } catch (error) {
        done(true);
        throw stepUpRefusal(error) ?? error;
      }
    };

    if (registry.tools.size > 0) {
      on('tools/list', (_request, ctx) => ({
        tools: visibleListings(registry, requireAuth, registry.tools.values(), callerOf(ctx)),
      }));

      on('tools/call', async (rawRequest, ctx) => {
        const request = rawRequest as {
          method: string;
          params: { name: string; arguments?: unknown };
        };
        const auth = callerOf(ctx);
        const { name } = request.params;
        const tool = registry.tools.get(name);
        if (!tool)
          throw new JsonRpcError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found`);
        const done = admit('tool', name, request.method, request.params, auth);
        const args = tool.check(request.params.arguments ?? {});
        if (!args.valid) {
          done(true);
          return toolError(`Invalid arguments for tool ${name}: ${args.message}`);
        }
        try {
          return await run(done, name, async () =>
            tool.definition.handler(args.data as never, await contextOf(ctx, auth, 'tool', name)),
          );
        } catch (error) {
          if (error instanceof JsonRpcError) throw error;
          logger.warn(
            { tool: name, err: error instanceof Error ? error.message : String(error) },
            'tool handler threw',
          );
          return toolError(error instanceof Error ? error.message : String(error));
        }
      });
    }

    if (hasResources) {
      on('resources/list', (_request, ctx) => ({
        resources: visibleListings(
          registry,
          requireAuth,
          registry.resources.values(),
          callerOf(ctx),
        ),
      }));
      on('resources/templates/list', (_request, ctx) => ({
        resourceTemplates: visibleListings(
          registry,
          requireAuth,
          registry.resourceTemplates.values(),
          callerOf(ctx),
        ),
      }));

      on('resources/read', async (rawRequest, ctx) => {
        const request = rawRequest as { method: string; params: { uri: string } };
        const auth = callerOf(ctx);
        const { uri } = request.params;
        checkResourceUri(uri);
        const resource = registry.resolveResource(uri);
        if (!resource)
          throw new JsonRpcError(ProtocolErrorCode.ResourceNotFound, `Resource ${uri} not found`, {
            uri,
          });
        const done = admit('resource', uri, request.method, request.params, auth);
        return run(done, request.method, async () => {
          const context = await contextOf(ctx, auth, 'resource', uri);
          return resource.kind === 'fixed'
            ? resource.entry.definition.read(new URL(uri), context)
            : resource.entry.definition.read(new URL(uri), resource.variables, context);
        });
      });
    }

    const closeSubscriptions = registerSubscriptionHandlers({
      server,
      on,
      registry,
      quotas,
      resourceUpdates: options.resourceUpdates,
      shared,
      hasResources,
      callerOf,
      admit,
      audit: options.audit && audit,
      transport,
    });

    if (registry.prompts.size > 0) {
      on('prompts/list', (_request, ctx) => ({
        prompts: visibleListings(registry, requireAuth, registry.prompts.values(), callerOf(ctx)),
      }));

      on('prompts/get', async (rawRequest, ctx) => {
        const request = rawRequest as {
          method: string;
          params: { name: string; arguments?: Record<string, string> };
        };
        const auth = callerOf(ctx);
        const { name } = request.params;
        const prompt = registry.prompts.get(name);
        if (!prompt)
          throw new JsonRpcError(ProtocolErrorCode.InvalidParams, `Prompt ${name} not found`);
        const done = admit('prompt', name, request.method, request.params, auth);
        const args = prompt.check(request.params.arguments ?? {});
        if (!args.valid) {
          done(true);
          throw new JsonRpcError(
            ProtocolErrorCode.InvalidParams,
            `Invalid arguments for prompt ${name}: ${args.message}`,
          );
        }
        return run(done, name, async () =>
          prompt.definition.get(args.data as never, await contextOf(ctx, auth, 'prompt', name)),
        );
      });
    }

    if (registry.hasCompletions) {
      on('completion/complete', async (rawRequest, ctx) => {
        const request = rawRequest as {
          method: string;
          params: {
            ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };
            argument: { name: string; value: string };
            context?: { arguments?: Record<string, string> };
          };
        };
        const auth = callerOf(ctx);
        const { ref, argument, context } = request.params;
        const entry =
          ref.type === 'ref/prompt'
            ? registry.prompts.get(ref.name)
            : registry.resourceTemplates.get(ref.uri);
        const completer = entry?.definition.complete?.[argument.name];
        if (!completer) return { completion: { values: [] } };
        admit(
          ref.type === 'ref/prompt' ? 'prompt' : 'resource',
          ref.type === 'ref/prompt' ? ref.name : ref.uri,
          request.method,
          request.params,
          auth,
        )(false);
        const values = await completer(argument.value, { arguments: context?.arguments ?? {} });
        return {
          completion: {
            values: values.slice(0, 100),
            total: values.length,
            hasMore: values.length > 100,
          },
        };
      });
    }

    server.onclose = closeSubscriptions;
    return server;
  };
}
