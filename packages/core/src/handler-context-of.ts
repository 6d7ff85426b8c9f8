import type { ServerContext as SdkServerContext, Server } from '@modelcontextprotocol/server';
import type { AuditTargetKind } from './audit.js';
import type { AuthInfo } from './auth-info.js';
import type { HandlerContext, TransportKind } from './handler-context.js';
import type { Logger } from './logger.js';
import type { ClientCapabilities, InputRequiredResult } from './mcp-types.js';
import type { RequestStates } from './request-state.js';
import { exchangeFor } from './token-exchange/handler-exchange.js';
import type { TokenExchanger } from './token-exchange/token-exchanger.js';

const NO_RESULT_STATE = Symbol('no request state');

/** What {@link createHandlerContextOf} needs of the server it builds contexts for. */
export interface HandlerContextDependencies {
  server: Server;
  logger: Logger;
  transport: TransportKind;
  requestStates: RequestStates;
  /** Backs `exchange()`; without it, `exchange` fails with `not_configured`. */
  tokenExchanger?: TokenExchanger;
}

/**
 * Builds the {@link HandlerContext} of each tool, resource or prompt handler from the SDK's
 * request context: identity, cancellation, the request's era and client capabilities, the
 * multi round-trip members, and the notifications and requests related to this request.
 */
export function createHandlerContextOf({
  server,
  logger,
  transport,
  requestStates,
  tokenExchanger,
}: HandlerContextDependencies) {
  /**
   * The context of a handler serving `kind` `target`, with the value of the request's sealed
   * state once it is proven issued for that target and never used before.
   */
  return async (
    ctx: SdkServerContext,
    auth: AuthInfo | undefined,
    kind: AuditTargetKind,
    target: string,
  ): Promise<HandlerContext> => {
    const request = ctx.mcpReq;
    const envelope = request.envelope as
      | { 'io.modelcontextprotocol/clientCapabilities'?: ClientCapabilities }
      | undefined;
    const state = await requestStates.claim(ctx, kind, target);
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
        if (value !== NO_RESULT_STATE)
          result.requestState = await requestStates.mint(value, ctx, kind, target);
        return result;
      },
      closeStream: ctx.http?.closeSSE,
      sendNotification: (notification) => request.notify(notification),
      exchange: exchangeFor(tokenExchanger, auth, request.signal, transport),
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
}
