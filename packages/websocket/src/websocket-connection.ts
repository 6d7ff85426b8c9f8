import {
  type AuthInfo,
  identityKey,
  type JSONRPCMessage,
  type Portcullis,
  type ProtocolEra,
} from '@portcullis/core';
import {
  createServerChannel,
  decideConnectionEra,
  type MessageSink,
  type RequestId,
  readMessage,
  refusalResponse,
  type ServerChannel,
} from '@portcullis/core/adapter';
import type { WebSocket } from 'ws';
import { CloseCode, REAUTHENTICATE_METHOD } from './wire.js';

const TRANSPORT = 'websocket';

/** Limits of one connection. */
export interface ConnectionLimits {
  /** Largest send buffer before the client is dropped as a slow consumer, in bytes. */
  maxBufferedBytes: number;
  /** How long after the token's expiry the connection waits for a re-authentication. */
  reauthGraceMs: number;
  /** Messages being read or answered at once; past it, reading pauses. */
  maxInFlight: number;
  /** The WebSocket URL the connection was opened on: the `htu` of in-band DPoP proofs. */
  url?: string;
}

/** One accepted WebSocket connection serving MCP. */
export interface McpConnection {
  readonly auth: AuthInfo | undefined;
  /** Requests still waiting for their answer. */
  readonly pending: number;
  /** Whether a pong arrived since the last ping. */
  alive: boolean;
  /** Closes with a code and a reason, ending the server behind it. */
  close(code: number, reason: string): void;
}

/**
 * Serves MCP on an accepted socket for the identity authenticated at the upgrade: one JSON-RPC
 * message per text frame; scopes decided per message by the core; the token's expiry enforced
 * (calls refused at once, the connection closed after a grace period unless a fresh token for
 * the same identity arrives in-band); per-identity rate limit; slow consumers dropped.
 *
 * The connection's first request chooses its protocol era for good: `initialize` (or any
 * request without a `_meta` envelope claim) a 2025-era session, a request whose envelope
 * names 2026-07-28 (`server/discover`, say) the stateless revision, where every later request
 * carries its own envelope. The server behind it is connected at that first request.
 */
export function serveConnection(
  portcullis: Portcullis,
  socket: WebSocket,
  initialAuth: AuthInfo | undefined,
  limits: ConnectionLimits,
): McpConnection {
  let auth = initialAuth;
  const owner = auth && identityKey(auth);
  let era: ProtocolEra | undefined;
  let channel: ServerChannel | undefined;
  let ended = false;
  let expiryTimer: NodeJS.Timeout | undefined;

  /** Frames received and not yet handed to the server. */
  let unread = 0;
  /** The message waiting for the server to answer one of the requests in flight. */
  let waitingForRoom: (() => void) | undefined;
  /**
   * At most `maxInFlight` requests of this connection are with the server at once; the next
   * message waits for an answer to go out, and while messages wait, the socket is not read, so
   * the rest stays in the client's socket (TCP backpressure) rather than in this process.
   */
  const pace = () => {
    const full = (channel?.pending ?? 0) >= limits.maxInFlight;
    if (!full && waitingForRoom) {
      waitingForRoom();
      waitingForRoom = undefined;
    }
    const backlog = unread >= limits.maxInFlight;
    if (backlog && !socket.isPaused) socket.pause();
    else if (!backlog && socket.isPaused) socket.resume();
  };
  const room = () =>
    (channel?.pending ?? 0) < limits.maxInFlight || ended
      ? undefined
      : new Promise<void>((resolve) => {
          waitingForRoom = resolve;
        });

  const send = (message: unknown) => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(message));
    if (socket.bufferedAmount > limits.maxBufferedBytes) {
      connection.close(CloseCode.SlowConsumer, 'send buffer exceeded: the client reads too slowly');
    }
    if (!('method' in (message as object))) pace();
  };
  const sink: MessageSink = { send };

  /** Connects the connection's server in the era its first request chose. */
  async function open(chosen: ProtocolEra): Promise<ServerChannel | undefined> {
    if (ended) return undefined;
    const opened = await createServerChannel(
      portcullis.createServer({ auth, transport: TRANSPORT }),
      { era: chosen },
    );
    if (ended) {
      await opened.close();
      return undefined;
    }
    opened.onUnrelated = send;
    era = chosen;
    channel = opened;
    return opened;
  }

  const scheduleExpiry = () => {
    clearTimeout(expiryTimer);
    if (!auth) return;
    const delay = auth.expiresAt * 1000 - Date.now() + limits.reauthGraceMs;
    if (delay > 2 ** 31 - 1) return;
    expiryTimer = setTimeout(
      () => connection.close(CloseCode.TokenExpired, 'token expired'),
      Math.max(0, delay),
    );
    expiryTimer.unref();
  };

  const connection: McpConnection = {
    get auth() {
      return auth;
    },
    get pending() {
      return channel?.pending ?? 0;
    },
    alive: true,
    close(code, reason) {
      if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING)
        socket.close(code, reason);
      const terminate = setTimeout(() => socket.terminate(), 1000);
      terminate.unref();
    },
  };

  /** A fresh token in band, through the core's admission (same identity, rate limit, DPoP). */
  async function reauthenticate(id: RequestId, params: unknown) {
    const { token, dpop: proof } = (params ?? {}) as { token?: unknown; dpop?: unknown };
    const admission = await portcullis.admit({
      kind: 'reauthenticate',
      transport: TRANSPORT,
      token,
      proof,
      identity: owner,
      url: limits.url,
    });
    if (!admission.admitted) {
      send(refusalResponse(admission.refusal, id));
      // Not a refusal of the caller: it retries with the nonce, or later; the connection stays.
      const { code } = admission.refusal;
      if (code !== 'use_dpop_nonce' && code !== 'rate_limited')
        connection.close(CloseCode.ReauthenticationRefused, 're-authentication refused');
      return;
    }
    const fresh = admission.auth!;
    auth = fresh;
    scheduleExpiry();
    const nonce = portcullis.dpop?.nonce();
    send({
      jsonrpc: '2.0',
      id,
      result: {
        expiresAt: fresh.expiresAt,
        scopes: fresh.scopes,
        ...(nonce !== undefined && { dpopNonce: nonce }),
      },
    });
  }

  async function handle(text: string) {
    const read = readMessage(text, 'frame', 'WebSocket');
    if (read.kind === 'refused') {
      send(read.reply);
      return;
    }
    const classified = read.message;
    if (classified.kind === 'request' && classified.message.method === REAUTHENTICATE_METHOD) {
      await reauthenticate(classified.message.id, classified.message.params);
      return;
    }
    if (classified.kind === 'request') {
      const admission = await portcullis.admit({ kind: 'message', transport: TRANSPORT, auth });
      if (!admission.admitted) {
        send(refusalResponse(admission.refusal, classified.message.id));
        return;
      }
    }
    const decision = decideConnectionEra(classified, era);
    if (decision.kind === 'refuse') send(decision.reply);
    if (decision.kind !== 'dispatch') return;
    const target = channel ?? (await open(decision.era));
    const full = room();
    if (full) await full;
    if (ended) return;
    target?.dispatch(classified.message as JSONRPCMessage, { auth, sink });
  }

  /** One message handled in turn; a failure is logged, and the socket read again. */
  async function handleInTurn(text: string) {
    try {
      await handle(text);
    } catch (error) {
      portcullis.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'websocket message failed',
      );
    } finally {
      unread -= 1;
      pace();
    }
  }

  let queue = Promise.resolve();
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      connection.close(
        CloseCode.UnsupportedData,
        'binary frames are not accepted; send JSON-RPC as text',
      );
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString('utf8');
    unread += 1;
    pace();
    queue = queue.then(() => handleInTurn(text));
  });
  socket.on('error', (error) => {
    portcullis.logger.debug({ err: error.message }, 'websocket error');
  });
  socket.on('pong', () => {
    connection.alive = true;
  });
  socket.once('close', () => {
    ended = true;
    clearTimeout(expiryTimer);
    waitingForRoom?.();
    waitingForRoom = undefined;
    const closing = channel;
    channel = undefined;
    if (closing) {
      closing.release(sink);
      void closing.close();
    }
  });
  scheduleExpiry();
  return connection;
}
