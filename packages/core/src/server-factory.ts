import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import type { AuditSink, AuditTargetKind } from './audit.js';
import type { AuthInfo } from './auth-info.js';
import { UNAUTHORIZED_ERROR_CODE } from './challenge.js';
import type { HandlerContext, TransportKind } from './handler-context.js';
import { JsonRpcError } from './json-rpc-error.js';
import type { Logger } from './logger.js';
import type { Registry } from './registry.js';

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
}

interface RequestExtra {
  signal: AbortSignal;
  authInfo?: unknown;
  sessionId?: string;
  requestId: string | number;
  _meta?: { progressToken?: string | number };
  sendNotification: (notification: ServerNotification) => Promise<void>;
}

function toolError(message: string) {
  return { content: [{ type: 'text' as const, text: message }], isError: true };
}

/**
 * Creates the server factory: each call builds a low-level SDK `Server` whose list and call
 * handlers consult the registry with the identity of the request being served, so scopes are
 * decided per request (a refreshed token takes effect at once) rather than once per session.
 */
export function createServerFactory(options: ServerFactoryOptions): ServerFactory {
  const { registry, logger } = options;
  const requireAuth = options.requireAuth ?? true;
  const capabilities = {
    ...(registry.tools.size > 0 && { tools: { listChanged: false } }),
    ...(registry.resources.size > 0 && { resources: { listChanged: false } }),
    ...(registry.prompts.size > 0 && { prompts: { listChanged: false } }),
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

    /** The identity of this request, or a refusal when one is required and missing or expired. */
    const callerOf = (extra: RequestExtra): AuthInfo | undefined => {
      const auth = (extra.authInfo as AuthInfo | undefined) ?? sessionAuth;
      if (!requireAuth) return auth;
      if (!auth)
        throw new JsonRpcError(UNAUTHORIZED_ERROR_CODE, 'Unauthorized', 'no verified access token');
      if (auth.expiresAt * 1000 <= Date.now()) {
        throw new JsonRpcError(UNAUTHORIZED_ERROR_CODE, 'Unauthorized', 'token has expired');
      }
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

    if (registry.tools.size > 0) {
      server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => {
        const auth = callerOf(extra as RequestExtra);
        const tools = [];
        for (const { definition, listing } of registry.tools.values()) {
          if (visible(definition.scopes, auth)) tools.push(listing);
        }
        return { tools };
      });

      server.setRequestHandler(CallToolRequestSchema, async (request, rawExtra) => {
        const extra = rawExtra as RequestExtra;
        const auth = callerOf(extra);
        const { name } = request.params;
        const tool = registry.tools.get(name);
        if (!tool) throw new JsonRpcError(ErrorCode.InvalidParams, `Tool ${name} not found`);
        const done = admit('tool', name, request.method, request.params, auth);
        const { definition } = tool;
        let args: unknown = request.params.arguments ?? {};
        if (definition.input) {
          const parsed = definition.input.safeParse(args);
          if (!parsed.success) {
            done(true);
            return toolError(
              `Invalid arguments for tool ${name}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
            );
          }
          args = parsed.data;
        }
        try {
          const result = await definition.handler(args as never, contextOf(extra, auth));
          done(result.isError === true);
          return result;
        } catch (error) {
          done(true);
          if (error instanceof JsonRpcError) throw error;
          logger.warn(
            { tool: name, err: error instanceof Error ? error.message : String(error) },
            'tool handler threw',
          );
          return toolError(error instanceof Error ? error.message : String(error));
        }
      });
    }

    if (registry.resources.size > 0) {
      server.setRequestHandler(ListResourcesRequestSchema, (_request, extra) => {
        const auth = callerOf(extra as RequestExtra);
        const resources = [];
        for (const { definition, listing } of registry.resources.values()) {
          if (visible(definition.scopes, auth)) resources.push(listing);
        }
        return { resources };
      });

      server.setRequestHandler(ReadResourceRequestSchema, async (request, rawExtra) => {
        const extra = rawExtra as RequestExtra;
        const auth = callerOf(extra);
        const { uri } = request.params;
        const resource = registry.resources.get(uri);
        if (!resource) throw new JsonRpcError(-32002, `Resource ${uri} not found`, { uri });
        const done = admit('resource', uri, request.method, request.params, auth);
        try {
          const result = await resource.definition.read(new URL(uri), contextOf(extra, auth));
          done(false);
          return result;
        } catch (error) {
          done(true);
          throw error;
        }
      });
    }

    if (registry.prompts.size > 0) {
      server.setRequestHandler(ListPromptsRequestSchema, (_request, extra) => {
        const auth = callerOf(extra as RequestExtra);
        const prompts = [];
        for (const { definition, listing } of registry.prompts.values()) {
          if (visible(definition.scopes, auth)) prompts.push(listing);
        }
        return { prompts };
      });

      server.setRequestHandler(GetPromptRequestSchema, async (request, rawExtra) => {
        const extra = rawExtra as RequestExtra;
        const auth = callerOf(extra);
        const { name } = request.params;
        const prompt = registry.prompts.get(name);
        if (!prompt) throw new JsonRpcError(ErrorCode.InvalidParams, `Prompt ${name} not found`);
        const done = admit('prompt', name, request.method, request.params, auth);
        let args: unknown = request.params.arguments ?? {};
        if (prompt.definition.arguments) {
          const parsed = prompt.definition.arguments.safeParse(args);
          if (!parsed.success) {
            done(true);
            throw new JsonRpcError(
              ErrorCode.InvalidParams,
              `Invalid arguments for prompt ${name}: ${parsed.error.message}`,
            );
          }
          args = parsed.data;
        }
        try {
          const result = await prompt.definition.get(args as never, contextOf(extra, auth));
          done(false);
          return result;
        } catch (error) {
          done(true);
          throw error;
        }
      });
    }

    return server;
  };
}
