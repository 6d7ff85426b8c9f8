import type { ServerChannel } from '@portcullis/core';
import type { SseStream } from './sse-stream.js';

/** One stateful MCP session. */
export interface Session {
  readonly id: string;
  /** The identity that created it (`identityKey`), the only one allowed to use it. */
  readonly owner: string;
  readonly channel: ServerChannel;
  /** The protocol revision negotiated by `initialize`. */
  protocolVersion: string;
  lastActivity: number;
  /** POST requests of this session still being answered. */
  activeRequests: number;
  /** The GET stream for messages not related to a request. */
  standalone: SseStream | undefined;
  /** Streams of POST requests, kept for resumption while they may still be resumed. */
  readonly streams: Map<string, SseStream>;
}

/** Options of stateful mode. */
export interface SessionOptions {
  /** A session without requests or open streams for this long is closed. Default 30 minutes. */
  idleTimeoutMs?: number;
  /** Most sessions at once; when full, the least recently active idle one is evicted. Default 1000. */
  maxSessions?: number;
}

const isLive = (session: Session) =>
  session.activeRequests > 0 || session.standalone?.connected === true;

/** The sessions of one endpoint, with idle expiry and a bound on their number. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #idleTimeoutMs: number;
  readonly #maxSessions: number;
  readonly #timer: NodeJS.Timeout;

  constructor(options: SessionOptions = {}) {
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
    this.#maxSessions = options.maxSessions ?? 1000;
    this.#timer = setInterval(
      () => this.sweep(Date.now()),
      Math.min(this.#idleTimeoutMs / 2, 30_000),
    );
    this.#timer.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  /** Makes room for one more session, evicting the least recently active idle one if full. */
  async makeRoom(): Promise<boolean> {
    if (this.#sessions.size < this.#maxSessions) return true;
    let oldest: Session | undefined;
    for (const session of this.#sessions.values()) {
      if (!isLive(session) && (!oldest || session.lastActivity < oldest.lastActivity))
        oldest = session;
    }
    if (!oldest) return false;
    await this.delete(oldest.id);
    return true;
  }

  add(session: Session): void {
    this.#sessions.set(session.id, session);
  }

  /** Ends a session: its streams, its server. */
  async delete(id: string): Promise<void> {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#sessions.delete(id);
    await Promise.all([
      session.standalone?.end(),
      ...[...session.streams.values()].map((stream) => stream.end()),
    ]);
    await session.channel.close();
  }

  /** Closes sessions idle for longer than the timeout. */
  sweep(now: number): void {
    for (const session of this.#sessions.values()) {
      if (!isLive(session) && now - session.lastActivity >= this.#idleTimeoutMs)
        void this.delete(session.id);
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all([...this.#sessions.keys()].map((id) => this.delete(id)));
  }
}
