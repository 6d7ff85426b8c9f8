import type { Readable, Writable } from 'node:stream';
import type { AuthInfo, JSONRPCMessage, Portcullis, ProtocolEra } from '@portcullis/core';
import {
  createServerChannel,
  decideConnectionEra,
  errorResponse,
  JsonRpcErrorCode,
  type MessageSink,
  readMessage,
  refusalResponse,
  type ServerChannel,
} from '@portcullis/core/adapter';
import { readLines } from './line-reader.js';
import { type LocalTrust, resolveStdioIdentity } from './stdio-identity.js';

const TRANSPORT = 'stdio';

/** Options for {@link serveStdio}. */
export interface StdioOptions {
  /** The environment variable holding the bearer token. Default `MCP_ACCESS_TOKEN`. */
  tokenVariable?: string;
  /** Trust the local user without a token, with exactly these scopes. Off unless given. */
  localTrust?: LocalTrust;
  /** Longest line accepted, in bytes. Default 4 MiB. */
  maxLineBytes?: number;
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default `process.stdin`. */
  input?: Readable;
  /** Default `process.stdout`. Only protocol messages are ever written to it. */
  output?: Writable;
}

/** A running stdio server. */
export interface StdioServer {
  /** Who the server runs as; `undefined` with authorization off. */
  readonly auth: AuthInfo | undefined;
  /** Resolves once input has ended (or `close` was called) and every call has been answered. */
  readonly done: Promise<void>;
  /** Stops reading, waits for calls in flight up to `deadlineMs` (default 5 s), then closes. */
  close(options?: { deadlineMs?: number }): Promise<void>;
}

/**
 * Serves the server of `portcullis` on stdin/stdout, one JSON-RPC message per line. The access
 * token comes from the environment and is verified before anything is read; its scopes apply
 * to every call and its expiry is honoured while running. Throws `StdioStartupError` (one
 * line, for stderr) when the token is missing or refused.
 *
 * The first request chooses the protocol era for the life of the process: `initialize` (or
 * any request without a `_meta` envelope claim) a 2025-era session, a request whose envelope
 * names 2026-07-28 (the `server/discover` probe, say) the stateless revision.
 */
export async function serveStdio(
  portcullis: Portcullis,
  options: StdioOptions = {},
): Promise<StdioServer> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const auth = await resolveStdioIdentity(
    portcullis,
    options.env ?? process.env,
    options.tokenVariable ?? 'MCP_ACCESS_TOKEN',
    options.localTrust,
  );
  let era: ProtocolEra | undefined;
  let channel: ServerChannel | undefined;
  let opening: Promise<ServerChannel> | undefined;

  let writable = true;
  const write = (message: unknown) => {
    if (writable) output.write(`${JSON.stringify(message)}\n`);
  };
  output.on('error', () => {
    writable = false;
    void close({ deadlineMs: 0 });
  });
  const sink: MessageSink = { send: write };

  /** Connects the server in the era the first request chose; later lines wait for it in order. */
  const open = (chosen: ProtocolEra) => {
    era = chosen;
    opening = createServerChannel(portcullis.createServer({ auth, transport: TRANSPORT }), {
      era: chosen,
    }).then((opened) => {
      opened.onUnrelated = write;
      channel = opened;
      return opened;
    });
    return opening;
  };

  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  let closing: Promise<void> | undefined;
  /** The lines read so far, admitted and dispatched one after the other. */
  let admitted = Promise.resolve();

  const drained = (deadlineMs: number) =>
    new Promise<void>((resolve) => {
      const deadline = Date.now() + deadlineMs;
      const poll = () =>
        (channel?.pending ?? 0) === 0 || Date.now() >= deadline ? resolve() : setTimeout(poll, 10);
      poll();
    });

  function close({ deadlineMs = 5_000 } = {}): Promise<void> {
    closing ??= (async () => {
      input.pause();
      await admitted;
      await opening;
      await drained(deadlineMs);
      await channel?.close();
      finished();
    })();
    return closing;
  }

  readLines(input, options.maxLineBytes ?? 4 << 20, (event) => {
    if (closing) return;
    if (event.kind === 'overlong') {
      write(
        errorResponse(
          null,
          JsonRpcErrorCode.InvalidRequest,
          `Invalid Request: line of more than ${options.maxLineBytes ?? 4 << 20} bytes`,
        ),
      );
      return;
    }
    const read = readMessage(event.line, 'line', 'stdio');
    if (read.kind === 'refused') {
      if (!read.notification) write(read.reply);
      return;
    }
    const classified = read.message;
    // Every request is admitted by the core (its token's expiry, the rate limit), in order.
    admitted = admitted.then(async () => {
      if (classified.kind === 'request') {
        const admission = await portcullis.admit({ kind: 'message', transport: TRANSPORT, auth });
        if (!admission.admitted) {
          write(refusalResponse(admission.refusal, classified.message.id));
          return;
        }
      }
      const decision = decideConnectionEra(classified, era);
      if (decision.kind === 'refuse') write(decision.reply);
      if (decision.kind !== 'dispatch') return;
      const target = channel ?? (await (opening ?? open(decision.era)));
      target.dispatch(classified.message as JSONRPCMessage, { auth, sink });
    });
    admitted = admitted.catch((error: unknown) => {
      portcullis.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'stdio message failed',
      );
    });
  });
  input.once('end', () => void close());
  input.once('close', () => void close());

  return { auth, done, close };
}
