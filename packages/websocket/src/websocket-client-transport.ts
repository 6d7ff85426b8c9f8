import type { Transport } from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '@portcullis/core';
import { WebSocket } from 'ws';
import {
  MCP_SUBPROTOCOL,
  REAUTHENTICATE_METHOD,
  type ReauthenticateResult,
  tokenSubprotocol,
} from './wire.js';

/**
 * Signs DPoP proofs (RFC 9449) for a key the client holds. The official SDK's `DpopSession`
 * (`@modelcontextprotocol/client`) fits as it is.
 */
export interface DpopSigner {
  /** A fresh proof (new `jti`, `iat` now) for one request. */
  buildProof(request: {
    htm: string;
    htu: string | URL;
    accessToken?: string;
    nonce?: string;
  }): Promise<string>;
  /** Told each nonce the server hands out, when the signer keeps them. */
  rememberNonce?(url: string | URL, nonce: string): void;
}

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
  /**
   * Present the token as DPoP-bound: `Authorization: DPoP <token>` and a proof for `GET` on the
   * WebSocket URL at the upgrade, and a proof (`params.dpop`, for `POST` on that URL) with each
   * re-authentication; a `use_dpop_nonce` answer is retried once with the server's nonce.
   * Needs the token in the header (`tokenPlacement: 'header'`).
   */
  dpop?: DpopSigner;
}

/** A refused upgrade: the HTTP status and challenge the server answered with. */
export class WebSocketUpgradeError extends Error {
  override readonly name = 'WebSocketUpgradeError';
  constructor(
    readonly status: number,
    readonly wwwAuthenticate: string | undefined,
    readonly body: string,
    /** The `DPoP-Nonce` the server sent with the refusal, if any. */
    readonly dpopNonce?: string,
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
  #dpopNonce: string | undefined;
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
    const dpop = this.options.dpop;
    if (dpop && token !== undefined && !inHeader)
      throw new Error('DPoP needs the token in the Authorization header (tokenPlacement: header)');
    try {
      await this.#open(token, inHeader);
    } catch (error) {
      // A nonce challenge at the upgrade (RFC 9449 §9): once more, with the server's nonce.
      if (
        !(error instanceof WebSocketUpgradeError) ||
        !dpop ||
        error.dpopNonce === undefined ||
        !/use_dpop_nonce/.test(error.wwwAuthenticate ?? '')
      )
        throw error;
      this.#rememberNonce(error.dpopNonce);
      await this.#open(token, inHeader);
    }
    const socket = this.#socket!;
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
        if (message.error) {
          const data = message.error.data as
            | string
            | { message?: string; dpopNonce?: string }
            | undefined;
          const reason = typeof data === 'object' && data !== null ? data.message : data;
          pending.reject(
            Object.assign(
              new Error(`re-authentication refused: ${String(reason ?? message.error.message)}`),
              typeof data === 'object' && data?.dpopNonce ? { dpopNonce: data.dpopNonce } : {},
            ),
          );
        } else pending.resolve(message.result as ReauthenticateResult);
        return;
      }
      this.onmessage?.(message);
    });
  }

  #rememberNonce(nonce: string): void {
    this.#dpopNonce = nonce;
    this.options.dpop?.rememberNonce?.(this.url, nonce);
  }

  /** A DPoP proof for one request to the WebSocket URL, with the server's latest nonce. */
  #proof(htm: string, accessToken: string): Promise<string> {
    return this.options.dpop!.buildProof({
      htm,
      htu: this.url,
      accessToken,
      ...(this.#dpopNonce !== undefined && { nonce: this.#dpopNonce }),
    });
  }

  async #open(token: string | undefined, inHeader: boolean): Promise<void> {
    const dpop = this.options.dpop !== undefined && token !== undefined && inHeader;
    const protocols = [
      MCP_SUBPROTOCOL,
      ...(token !== undefined && !inHeader ? [tokenSubprotocol(token)] : []),
    ];
    const socket = new WebSocket(this.url, protocols, {
      headers: {
        ...this.options.headers,
        ...(inHeader && { authorization: `${dpop ? 'DPoP' : 'Bearer'} ${token}` }),
        ...(dpop && { dpop: await this.#proof('GET', token) }),
      },
      maxPayload: this.options.maxPayload ?? 16 << 20,
    });
    this.#socket = socket;
    socket.once('upgrade', (res) => {
      const nonce = res.headers['dpop-nonce'];
      if (dpop && typeof nonce === 'string') this.#rememberNonce(nonce);
    });

    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk;
          });
          res.on('end', () => {
            const header = res.headers['www-authenticate'];
            const nonce = res.headers['dpop-nonce'];
            reject(
              new WebSocketUpgradeError(
                res.statusCode ?? 0,
                Array.isArray(header) ? header[0] : header,
                body,
                typeof nonce === 'string' ? nonce : undefined,
              ),
            );
          });
        });
        socket.once('error', reject);
      });
    } catch (error) {
      this.#socket = undefined;
      throw error;
    }
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
  async reauthenticate(token: string): Promise<ReauthenticateResult> {
    if (!this.options.dpop) return this.#reauthenticate({ token });
    const attempt = async () =>
      this.#reauthenticate({ token, dpop: await this.#proof('POST', token) });
    let result: ReauthenticateResult;
    try {
      result = await attempt();
    } catch (error) {
      const nonce = (error as { dpopNonce?: unknown }).dpopNonce;
      if (typeof nonce !== 'string') throw error;
      this.#rememberNonce(nonce);
      result = await attempt();
    }
    if (result.dpopNonce) this.#rememberNonce(result.dpopNonce);
    return result;
  }

  #reauthenticate(params: { token: string; dpop?: string }): Promise<ReauthenticateResult> {
    const id = `portcullis-reauth-${this.#nextReauthId++}`;
    return new Promise((resolve, reject) => {
      this.#reauthentications.set(id, { resolve, reject });
      this.send({
        jsonrpc: '2.0',
        id,
        method: REAUTHENTICATE_METHOD,
        params,
      } as JSONRPCMessage).catch(reject);
    });
  }

  async close(): Promise<void> {
    this.#socket?.close();
  }
}
