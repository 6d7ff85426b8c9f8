import type { Transport } from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '@portcullis/core';
import { WebSocket } from 'ws';
import {
  MCP_SUBPROTOCOL,
  REAUTHENTICATE_METHOD,
  type ReauthenticateResult,
  tokenSubprotocol,
} from './wire.js';

/** Options for {@link WebSocketClientTransport}. */
export interface WebSocketClientTransportOptions {
  /**
   * The bearer token, or a function returning the current one when the connection opens (or
   * nothing, to learn the server's challenge from a refused upgrade).
   */
  token?: string | (() => string | undefined | Promise<string | undefined>);
  /**
   * Where the token goes: the `Authorization` header (default), or a `bearer.<base64url>`
   * subprotocol entry next to `mcp`, which is what browsers must use.
   */
  tokenPlacement?: 'header' | 'subprotocol';
  /** Further headers of the upgrade request. */
  headers?: Record<string, string>;
  /** Largest frame accepted from the server, in bytes. Default 16 MiB. */
  maxPayload?: number;
}

/** A refused upgrade: the HTTP status and challenge the server answered with. */
export class WebSocketUpgradeError extends Error {
  override readonly name = 'WebSocketUpgradeError';
  constructor(
    readonly status: number,
    readonly wwwAuthenticate: string | undefined,
    readonly body: string,
  ) {
    super(
      `WebSocket upgrade refused with HTTP ${status}${wwwAuthenticate ? `: ${wwwAuthenticate}` : ''}`,
    );
  }
}

/**
 * An MCP client transport over WebSocket (subprotocol `mcp`, one JSON-RPC message per text
 * frame) that carries a bearer token and can hand the server a fresh one without
 * reconnecting. Use it with the SDK's `Client` like any transport.
 */
export class WebSocketClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];

  /** The protocol revision negotiated by `initialize` (set by the SDK client). */
  protocolVersion: string | undefined;

  /** The close code and reason the connection ended with, once it has. */
  closeCode: number | undefined;
  closeReason: string | undefined;

  #socket: WebSocket | undefined;
  #nextReauthId = 1;
  readonly #reauthentications = new Map<
    string,
    { resolve: (result: ReauthenticateResult) => void; reject: (error: Error) => void }
  >();

  constructor(
    private readonly url: string | URL,
    private readonly options: WebSocketClientTransportOptions = {},
  ) {}

  async start(): Promise<void> {
    if (this.#socket) throw new Error('WebSocketClientTransport already started');
    const token =
      typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    const inHeader = token !== undefined && (this.options.tokenPlacement ?? 'header') === 'header';
    const protocols = [
      MCP_SUBPROTOCOL,
      ...(token !== undefined && !inHeader ? [tokenSubprotocol(token)] : []),
    ];
    const socket = new WebSocket(this.url, protocols, {
      headers: { ...this.options.headers, ...(inHeader && { authorization: `Bearer ${token}` }) },
      maxPayload: this.options.maxPayload ?? 16 << 20,
    });
    this.#socket = socket;

    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk;
        });
        res.on('end', () => {
          const header = res.headers['www-authenticate'];
          reject(
            new WebSocketUpgradeError(
              res.statusCode ?? 0,
              Array.isArray(header) ? header[0] : header,
              body,
            ),
          );
        });
      });
      socket.once('error', reject);
    });

    socket.on('error', (error) => this.onerror?.(error));
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      for (const pending of this.#reauthentications.values())
        pending.reject(new Error(`connection closed (${code})`));
      this.#reauthentications.clear();
      this.onclose?.();
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: JSONRPCMessage & {
        id?: unknown;
        result?: unknown;
        error?: { message?: string; data?: unknown };
      };
      try {
        message = JSON.parse(data.toString());
      } catch (error) {
        this.onerror?.(error as Error);
        return;
      }
      const pending =
        typeof message.id === 'string' ? this.#reauthentications.get(message.id) : undefined;
      if (pending) {
        this.#reauthentications.delete(message.id as string);
        if (message.error)
          pending.reject(
            new Error(
              `re-authentication refused: ${String(message.error.data ?? message.error.message)}`,
            ),
          );
        else pending.resolve(message.result as ReauthenticateResult);
        return;
      }
      this.onmessage?.(message);
    });
  }

  /** Called by the SDK client once `initialize` has negotiated a revision. */
  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#socket || this.#socket.readyState !== WebSocket.OPEN)
      throw new Error('Not connected');
    this.#socket.send(JSON.stringify(message));
  }

  /**
   * Hands the server a fresh token for the same identity, e.g. after a refresh, so the
   * connection outlives the old token. Resolves with the new expiry and scopes; a token for
   * another identity is refused and the server closes the connection (4403).
   */
  reauthenticate(token: string): Promise<ReauthenticateResult> {
    const id = `portcullis-reauth-${this.#nextReauthId++}`;
    return new Promise((resolve, reject) => {
      this.#reauthentications.set(id, { resolve, reject });
      this.send({
        jsonrpc: '2.0',
        id,
        method: REAUTHENTICATE_METHOD,
        params: { token },
      } as JSONRPCMessage).catch(reject);
    });
  }

  async close(): Promise<void> {
    this.#socket?.close();
  }
}
