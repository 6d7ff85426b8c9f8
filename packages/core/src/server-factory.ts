import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  type LoggingLevel,
  ReadResourceRequestSchema,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { AuditSink, AuditTargetKind } from './audit.js';
import type { AuthInfo } from './auth-info.js';
import { UNAUTHORIZED_ERROR_CODE } from './challenge.js';
import type { HandlerContext, TransportKind } from './handler-context.js';
import { JsonRpcError } from './json-rpc-error.js';
import type { Logger } from './logger.js';
import type { Registry } from './registry.js';
import type { ResourceUpdates } from './resource-updates.js';

/** What a transport knows when it asks for a server instance. */
export interface ServerContext {
  /** The identity that opened the session or connection; per-request auth takes precedence. */
  auth: AuthInfo | undefined;
  transport: TransportKind;
}

/** An MCP server instance, ready to be connected to one transport. */
export type McpServer = Server;

/** The one factory every transport uses: `(ctx: { auth, transport }) => server`. */
export type ServerFactory = (context: ServerContext) => McpServer;

/** Options for {@link createServerFactory}. */
export interface ServerFactoryOptions {
  /** Name and version announced in `initialize`. */
  info: { name: string; version: string; title?: string };
  instructions?: string;
  registry: Registry;
  /**
   * Whether requests must carry a verified identity. When true (the default), a request that
   * reaches a server without one, or whose token has expired, is refused: it fails closed.
   */
  requireAuth?: boolean;
  audit?: AuditSink;
  logger: Logger;
  /** Where resource changes are announced to subscribed sessions. */
  resourceUpdates?: ResourceUpdates;
}

interface RequestExtra {
  signal: AbortSignal;
  authInfo?: unknown;
  sessionId?: string;
  requestId: string | number;
  _meta?: { progressToken?: string | number };
  closeSSEStream?: () => void;
  sendNotification: (notification: ServerNotification) => Promise<void>;
  sendRequest: <T>(request: ServerRequest, schema: T) => Promise<unknown>;
}

const LOG_LEVELS: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

function toolError(message: string) {
  return { content: [{ type: 'text' as const, text: message }], isError: true };
}

/**
 * Creates the server factory: each call builds a low-level SDK `Server` whose handlers consult
 * the registry with the identity of the request being served, so scopes are decided per
 * request (a refreshed token takes effect at once) rather than once per session.
 */
export function createServerFactory(options: ServerFactoryOptions): ServerFactory {
  const { registry, logger } = options;
  const requireAuth = options.requireAuth ?? true;
  const hasResources = registry.resources.size > 0 || registry.resourceTemplates.size > 0;
  const capabilities = {
    ...(registry.tools.size > 0 && { tools: { listChanged: false } }),
    ...(hasResources && { resources: { subscribe: true, listChanged: false } }),
    ...(registry.prompts.size > 0 && { prompts: { listChanged: false } }),
    ...(registry.hasCompletions && { completions: {} }),
    logging: {},
  };

  const audit: AuditSink = (event) => {
    try {
      options.audit?.(event);
    } catch (error) {
      logger.error({ err: String(error) }, 'audit sink threw');
    }
  };

  return ({ auth: sessionAuth, transport }) => {
    const server = new Server(options.info, {
      capabilities,
      ...(options.instructions && { instructions: options.instructions }),
    });
    let minimumLevel: LoggingLevel | undefined;
    const subscriptions = new Set<string>();

    /** The identity of this request, or a refusal when one is required and missing or expired. */
    const callerOf = (extra: RequestExtra): AuthInfo | undefined => {
      const auth = (extra.authInfo as AuthInfo | undefined) ?? sessionAuth;
      if (!requireAuth) return auth;
      if (!auth)
        throw new JsonRpcError(UNAUTHORIZED_ERROR_CODE, 'Unauthorized', 'no verified access token');
      if (auth.expiresAt * 1000 <= Date.now())
        throw new JsonRpcError(UNAUTHORIZED_ERROR_CODE, 'Unauthorized', 'token has expired');
      return auth;
    };
    const visible = (required: readonly string[], auth: AuthInfo | undefined) =>
      auth === undefined ? !requireAuth : registry.allows(required, auth);

    const contextOf = (extra: RequestExtra, auth: AuthInfo | undefined): HandlerContext => ({
      auth,
      signal: extra.signal,
      logger,
      requestId: extra.requestId,
      sessionId: extra.sessionId,
      transport,
      clientCapabilities: server.getClientCapabilities(),
      closeStream: extra.closeSSEStream,
      sendNotification: extra.sendNotification,
      reportProgress: async (progress, total, message) => {
        const progressToken = extra._meta?.progressToken;
        if (progressToken === undefined) return;
        await extra.sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress,
            ...(total !== undefined && { total }),
            ...(message && { message }),
          },
        });
      },
      log: async (level, data, name) => {
        if (
          minimumLevel !== undefined &&
          LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(minimumLevel)
        )
          return;
        await extra.sendNotification({
          method: 'notifications/message',
          params: { level, data, ...(name && { logger: name }) },
        });
      },
      createMessage: async (params) => {
        if (!server.getClientCapabilities()?.sampling)
          throw new Error('the client does not support sampling');
        return (await extra.sendRequest(
          { method: 'sampling/createMessage', params },
          CreateMessageResultSchema,
        )) as never;
      },
      elicit: async (params) => {
        if (!server.getClientCapabilities()?.elicitation)
          throw new Error('the client does not support elicitation');
        return (await extra.sendRequest(
          { method: 'elicitation/create', params } as ServerRequest,
          ElicitResultSchema,
        )) as never;
      },
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

    /** Runs a handler and audits its outcome; protocol errors pass through. */
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
        throw error;
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

    server.setRequestHandler(SetLevelRequestSchema, (request, extra) => {
      callerOf(extra as RequestExtra);
      minimumLevel = request.params.level;
      return {};
    });

    if (registry.tools.size > 0) {
      server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => ({
        tools: listed(registry.tools.values(), callerOf(extra as RequestExtra)),
      }));

      server.setRequestHandler(CallToolRequestSchema, async (request, rawExtra) => {
        const extra = rawExtra as RequestExtra;
        const auth = callerOf(extra);
        const { name } = request.params;
        const tool = registry.tools.get(name);
        if (!tool) throw new JsonRpcError(ErrorCode.InvalidParams, `Tool ${name} not found`);
        const done = admit('tool', name, request.method, request.params, auth);
        const args = tool.check(request.params.arguments ?? {});
        if (!args.valid) {
          done(true);
          return toolError(`Invalid arguments for tool ${name}: ${args.message}`);
        }
        try {
          return await run(done, () =>
            tool.definition.handler(args.data as never, contextOf(extra, auth)),
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
      server.setRequestHandler(ListResourcesRequestSchema, (_request, extra) => ({
        resources: listed(registry.resources.values(), callerOf(extra as RequestExtra)),
      }));
      server.setRequestHandler(ListResourceTemplatesRequestSchema, (_request, extra) => ({
        resourceTemplates: listed(
          registry.resourceTemplates.values(),
          callerOf(extra as RequestExtra),
        ),
      }));

      server.setRequestHandler(ReadResourceRequestSchema, async (request, rawExtra) => {
        const extra = rawExtra as RequestExtra;
        const auth = callerOf(extra);
        const { uri } = request.params;
        const resource = registry.resolveResource(uri);
        if (!resource) throw new JsonRpcError(-32002, `Resource ${uri} not found`, { uri });
        const done = admit('resource', uri, request.method, request.params, auth);
        const context = contextOf(extra, auth);
        return run(done, () =>
          resource.kind === 'fixed'
            ? resource.entry.definition.read(new URL(uri), context)
            : resource.entry.definition.read(new URL(uri), resource.variables, context),
        );
      });

      const stopListening = options.resourceUpdates?.listen((uri) => {
        if (subscriptions.has(uri)) void server.sendResourceUpdated({ uri }).catch(() => undefined);
      });
      server.onclose = () => stopListening?.();
      server.setRequestHandler(SubscribeRequestSchema, (request, extra) => {
        const auth = callerOf(extra as RequestExtra);
        admit('resource', request.params.uri, request.method, request.params, auth)(false);
        subscriptions.add(request.params.uri);
        return {};
      });
      server.setRequestHandler(UnsubscribeRequestSchema, (request, extra) => {
        callerOf(extra as RequestExtra);
        subscriptions.delete(request.params.uri);
        return {};
      });
    }

    if (registry.prompts.size > 0) {
      server.setRequestHandler(ListPromptsRequestSchema, (_request, extra) => ({
        prompts: listed(registry.prompts.values(), callerOf(extra as RequestExtra)),
      }));

      server.setRequestHandler(GetPromptRequestSchema, async (request, rawExtra) => {
        const extra = rawExtra as RequestExtra;
        const auth = callerOf(extra);
        const { name } = request.params;
        const prompt = registry.prompts.get(name);
        if (!prompt) throw new JsonRpcError(ErrorCode.InvalidParams, `Prompt ${name} not found`);
        const done = admit('prompt', name, request.method, request.params, auth);
        const args = prompt.check(request.params.arguments ?? {});
        if (!args.valid) {
          done(true);
          throw new JsonRpcError(
            ErrorCode.InvalidParams,
            `Invalid arguments for prompt ${name}: ${args.message}`,
          );
        }
        return run(done, () => prompt.definition.get(args.data as never, contextOf(extra, auth)));
      });
    }

    if (registry.hasCompletions) {
      server.setRequestHandler(CompleteRequestSchema, async (request, rawExtra) => {
        const extra = rawExtra as RequestExtra;
        const auth = callerOf(extra);
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

    return server;
  };
}
