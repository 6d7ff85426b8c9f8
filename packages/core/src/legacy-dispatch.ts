import type { AuthInfo } from './auth-info.js';
import type { PostedLegacyMessage } from './legacy-post.js';
import type { JSONRPCMessage } from './mcp-types.js';
import type { MessageSink, ServerChannel } from './server-channel.js';

/** 2025-era messages of one POST and where they go. */
export interface LegacyDispatch {
  channel: ServerChannel;
  auth: AuthInfo | undefined;
  messages: readonly PostedLegacyMessage[];
  /** Sees every response (a session notes the revision `initialize` negotiated). */
  onResponse?: (message: JSONRPCMessage) => void;
}

/** Dispatches messages nothing waits for (notifications, responses to the server). */
export function dispatchAll(dispatch: LegacyDispatch): void {
  const sink: MessageSink = { send: () => {} };
  for (const message of dispatch.messages)
    dispatch.channel.dispatch(message.message, { auth: dispatch.auth, sink });
}

/**
 * Dispatches the messages and resolves with one response per request, in the order they
 * come, for a single JSON answer; `undefined` when the client went away first (`onAbort`),
 * which cancels the requests still pending.
 */
export function collectResponses(
  dispatch: LegacyDispatch,
  onAbort: (listener: () => void) => void,
): Promise<JSONRPCMessage[] | undefined> {
  const { channel, auth, messages } = dispatch;
  const expected = messages.filter((message) => message.kind === 'request').length;
  return new Promise((resolve) => {
    const responses: JSONRPCMessage[] = [];
    const sink: MessageSink = {
      send(message) {
        if ('method' in message) return;
        dispatch.onResponse?.(message);
        responses.push(message);
        if (responses.length === expected) resolve(responses);
      },
    };
    onAbort(() => {
      if (responses.length >= expected) return;
      channel.release(sink);
      resolve(undefined);
    });
    for (const message of messages) channel.dispatch(message.message, { auth, sink });
  });
}
