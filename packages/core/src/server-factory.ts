import { randomBytes } from 'node:crypto';
import {
  createRequestStateCodec,
  ProtocolErrorCode,
  type ServerContext as SdkServerContext,
  Server,
} from '@modelcontextprotocol/server';
import type { AuditSink, AuditTargetKind } from './audit.js';
import { type AuthInfo, identityKey } from './auth-info.js';
import { UNAUTHORIZED_ERROR_CODE } from './challenge.js';
import type { HandlerContext, TransportKind } from './handler-context.js';
import { JsonRpcError } from './json-rpc-error.js';
import type { Logger } from './logger.js';
import type { ClientCapabilities, InputRequiredResult } from './mcp-types.js';
import { supportedProtocolVersions } from './protocol-versions.js';
import type { Registry } from './registry.js';
import type { ResourceUpdates } from './resource-updates.js';
import { exchangeFor, stepUpRefusal } from './token-exchange/handler-exchange.js';
import type { TokenExchanger } from './token-exchange/token-exchanger.js';

/** What a transport knows when it asks for a server instance. */
export interface ServerContext {
  /** The identity that opened the session or connection; per-request auth takes precedence. */
  auth: AuthInfo | undefined;
  transport: TransportKind;
}

/** An MCP server instance, ready to be connected to one transport (either era). */
export type McpServer = Server;

/** The one factory every transport uses: `(ctx: { auth, transport }) => server`. */
export type ServerFactory = (context: ServerContext) => McpServer;

/** Cache hints of 2026-07-28 results (`ttlMs`, `cacheScope`). */
export interface CacheHintOptions {
  /** How long clients may reuse `tools/list`, `prompts/list`, `resources/list` and templates. Default 5 minutes. */
  listTtlMs?: number;
  /** How long clients may reuse `resources/read` results. Default 0: read again. */
  readTtlMs?: number;
}

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
  cacheHints?: CacheHintOptions;
  /** Backs `HandlerContext.exchange`; without it, `exchange` fails with `not_configured`. */
  tokenExchanger?: TokenExchanger;
}

type Handler = (request: never, ctx: SdkServerContext) => unknown;

const NO_RESULT_STATE = Symbol('no request state');

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
  const capabilities = {
    ...(registry.tools.size > 0 && { tools: { listChanged: false } }),
    ...(hasResources && { resources: { subscribe: true, listChanged: false } }),
    ...(registry.prompts.size > 0 && { prompts: { listChanged: false } }),
    ...(registry.hasCompletions && { completions: {} }),
    logging: {},
  };
  // A list filtered by the caller's scopes must never be served from a shared cache.
  const listScope = requireAuth ? ('private' as const) : ('public' as const);
  const listHint = { ttlMs: options.cacheHints?.listTtlMs ?? 300_000, cacheScope: listScope };
  const cacheHints = {
    'tools/list': listHint,
    'prompts/list': listHint,
    'resources/list': listHint,
    'resources/templates/list': listHint,
    'resources/read': { ttlMs: options.cacheHints?.readTtlMs ?? 0, cacheScope: listScope },
    'server/discover': { ttlMs: listHint.ttlMs, cacheScope: 'public' as const },
  };
  const requestStateKey = options.requestStateKey ?? randomBytes(32);

  const audit: AuditSink = (event) => {
    try {
      options.audit?.(event);
    } catch (error) {
      logger.error({ err: String(error) }, 'audit sink threw');
    }
  };

  return ({ auth: sessionAuth, transport }) => {
    const authOf = (ctx: SdkServerContext) =>
      (ctx.http?.authInfo as AuthInfo | undefined) ?? sessionAuth;
    // Sealed state is bound to the method and the caller: it cannot be replayed by another.
    const requestStates = createRequestStateCodec({
      key: requestStateKey,
      ttlSeconds: options.requestStateTtlSeconds ?? 600,
      bind: (ctx) => {
        const auth = authOf(ctx);
        return `${ctx.mcpReq.method}\0${auth ? identityKey(auth) : ''}`;
      },
    });
    const server = new Server(options.info, {
      capabilities,
      supportedProtocolVersions: [...supportedProtocolVersions],
      cacheHints,
      requestState: { verify: (state, ctx) => requestStates.verify(state, ctx) },
      ...(options.instructions && { instructions: options.instructions }),
    });
    server.onerror = (error) => logger.debug({ err: error.message }, 'mcp server error');
    const subscriptions = new Set<string>();
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
    const visible = (required: readonly string[], auth: AuthInfo | undefined) =>
      auth === undefined ? !requireAuth : registry.allows(required, auth);

    const contextOf = (ctx: SdkServerContext, auth: AuthInfo | undefined): HandlerContext => {
      const request = ctx.mcpReq;
      const envelope = request.envelope as
        | { 'io.modelcontextprotocol/clientCapabilities'?: ClientCapabilities }
        | undefined;
      const state = request.requestState();
      return {
        auth,
        signal: request.signal,
        logger,
        requestId: request.id,
        sessionId: ctx.sessionId,
        transport,
        era: envelope ? 'modern' : 'legacy',
        clientCapabilities: envelope
          ? envelope['io.modelcontextprotocol/clientCapabilities']
          : server.getClientCapabilities(),
        inputResponses: request.inputResponses,
        requestState: state,
        inputRequired: async (inputRequests, value = NO_RESULT_STATE) => {
          const result: InputRequiredResult = {
            resultType: 'input_required',
            ...(inputRequests && { inputRequests }),
          };
          if (value !== NO_RESULT_STATE) result.requestState = await requestStates.mint(value, ctx);
          return result;
        },
        closeStream: ctx.http?.closeSSE,
        sendNotification: (notification) => request.notify(notification),
        exchange: exchangeFor(options.tokenExchanger, auth, request.signal),
        reportProgress: async (progress, total, message) => {
          const progressToken = request._meta?.progressToken;
          if (progressToken === undefined) return;
          await request.notify({
            method: 'notifications/progress',
            params: {
              progressToken,
              progress,
              ...(total !== undefined && { total }),
              ...(message && { message }),
            },
          });
        },
        log: (level, data, name) => request.log(level, data, name),
        // Related to this request, so they travel on its stream: the SDK's context helpers
        // send them unrelated, to a standalone stream the client may not have opened yet.
        createMessage: (params) =>
          request.requestSampling(params, { relatedRequestId: request.id }) as never,
        elicit: (params) => request.elicitInput(params as never, { relatedRequestId: request.id }),
      };
    };

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

    /**
     * Runs a handler and audits its outcome; protocol errors pass through, and a token exchange
     * that needs more of the caller's scopes becomes `insufficient_scope` (step-up).
     */
    const run = async <T>(
      done: (failed: boolean) => void,
      handler: () => T | Promise<T>,
    ): Promise<T> => {
      try {
        const result = await handler();
        done((result as { isError?: boolean }).isError === true);
        return result;
      } catch (error) {
        done(true);
        throw stepUpRefusal(error) ?? error;
      }
    };

    /** The listings of the entries `auth` may see. */
    const listed = <L>(
      entries: Iterable<{ definition: { scopes: readonly string[] }; listing: L }>,
      auth: AuthInfo | undefined,
    ): L[] => {
      const shown: L[] = [];
      for (const { definition, listing } of entries)
        if (visible(definition.scopes, auth)) shown.push(listing);
      return shown;
    };

    if (registry.tools.size > 0) {
      on('tools/list', (_request, ctx) => ({
        tools: listed(registry.tools.values(), callerOf(ctx)),
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
          return await run(done, () =>
            tool.definition.handler(args.data as never, contextOf(ctx, auth)),
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

    let stopLegacyUpdates: (() => void) | undefined;
    if (hasResources) {
      on('resources/list', (_request, ctx) => ({
        resources: listed(registry.resources.values(), callerOf(ctx)),
      }));
      on('resources/templates/list', (_request, ctx) => ({
        resourceTemplates: listed(registry.resourceTemplates.values(), callerOf(ctx)),
      }));

      on('resources/read', async (rawRequest, ctx) => {
        const request = rawRequest as { method: string; params: { uri: string } };
        const auth = callerOf(ctx);
        const { uri } = request.params;
        const resource = registry.resolveResource(uri);
        if (!resource)
          throw new JsonRpcError(ProtocolErrorCode.ResourceNotFound, `Resource ${uri} not found`, {
            uri,
          });
        const done = admit('resource', uri, request.method, request.params, auth);
        const context = contextOf(ctx, auth);
        return run(done, () =>
          resource.kind === 'fixed'
            ? resource.entry.definition.read(new URL(uri), context)
            : resource.entry.definition.read(new URL(uri), resource.variables, context),
        );
      });

      stopLegacyUpdates = options.resourceUpdates?.listen((uri) => {
        if (subscriptions.has(uri)) void server.sendResourceUpdated({ uri }).catch(() => undefined);
      });
      on('resources/subscribe', (rawRequest, ctx) => {
        const request = rawRequest as { method: string; params: { uri: string } };
        const auth = callerOf(ctx);
        admit('resource', request.params.uri, request.method, request.params, auth)(false);
        subscriptions.add(request.params.uri);
        return {};
      });
      on('resources/unsubscribe', (rawRequest, ctx) => {
        callerOf(ctx);
        subscriptions.delete((rawRequest as { params: { uri: string } }).params.uri);
        return {};
      });
    }

    /**
     * `subscriptions/listen` (2026-07-28): acknowledges the resource subscriptions the caller
     * may read (others are left out of the acknowledgement and audited), then relays their
     * updates until the client goes away or the server closes. The registry is fixed, so the
     * list-changed kinds are never acknowledged.
     */
    const closeListeners = new Set<() => void>();
    on('subscriptions/listen', (rawRequest, ctx) => {
      const request = rawRequest as {
        method: string;
        params: { notifications?: { resourceSubscriptions?: unknown } };
      };
      const auth = callerOf(ctx);
      const subscriptionId = ctx.mcpReq.id;
      const requested = request.params.notifications?.resourceSubscriptions;
      const uris = new Set<string>();
      if (Array.isArray(requested)) {
        for (const uri of requested) {
          if (typeof uri !== 'string' || !registry.resolveResource(uri)) continue;
          try {
            admit('resource', uri, 'resources/read', { uri }, auth)(false);
            uris.add(uri);
          } catch {
            // Refused and audited by admit: not acknowledged, never delivered.
          }
        }
      }
      const meta = { 'io.modelcontextprotocol/subscriptionId': subscriptionId };
      return new Promise((resolve) => {
        const stop = options.resourceUpdates?.listen((uri) => {
          if (uris.has(uri))
            void ctx.mcpReq
              .notify({ method: 'notifications/resources/updated', params: { uri, _meta: meta } })
              .catch(() => undefined);
        });
        const end = (graceful: boolean) => {
          stop?.();
          closeListeners.delete(close);
          if (graceful) resolve({ _meta: meta });
        };
        const close = () => end(true);
        closeListeners.add(close);
        ctx.mcpReq.signal.addEventListener('abort', () => end(false), { once: true });
        void ctx.mcpReq.notify({
          method: 'notifications/subscriptions/acknowledged',
          params: {
            _meta: meta,
            notifications: uris.size > 0 ? { resourceSubscriptions: [...uris] } : {},
          },
        });
      });
    });

    if (registry.prompts.size > 0) {
      on('prompts/list', (_request, ctx) => ({
        prompts: listed(registry.prompts.values(), callerOf(ctx)),
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
        return run(done, () => prompt.definition.get(args.data as never, contextOf(ctx, auth)));
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

    server.onclose = () => {
      stopLegacyUpdates?.();
      for (const close of [...closeListeners]) close();
    };
    return server;
  };
}
