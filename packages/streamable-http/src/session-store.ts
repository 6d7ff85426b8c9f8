import { type ServerChannel, trackOpen } from '@portcullis/core/adapter';
import type { SseStream } from './sse-stream.js';

/** One stateful MCP session. */
export interface Session {
  readonly id: string;
  /** The identity that created it (`identityKey`), the only one allowed to use it. */
  readonly owner: string;
  readonly channel: ServerChannel;
  /** The protocol revision negotiated by `initialize`. */
  protocolVersion: string;
  /** The params of the client's `initialize`, kept in the shared record for other instances. */
  initialize?: unknown;
  lastActivity: number;
  /** POST requests of this session still being answered. */
  activeRequests: number;
  /** The GET stream for messages not related to a request. */
  standalone: SseStream | undefined;
  /** Streams of POST requests, kept for resumption while they may still be resumed. */
  readonly streams: Map<string, SseStream>;
}

/** What any instance needs to serve a session opened elsewhere. */
export interface SessionRecord {
  id: string;
  /** The identity that created it (`identityKey`); every instance refuses every other. */
  owner: string;
  /** The protocol revision negotiated by `initialize`. */
  protocolVersion: string;
  /** The params of the client's `initialize` (capabilities, client info), replayed on adoption. */
  initialize?: unknown;
}

/**
 * Session records shared by instances behind a load balancer (e.g. on Redis). A record is
 * saved once `initialize` is answered and looked up on every request naming the session;
 * `load` and `delete` throw when the store is unreachable, and the request is refused (503).
 */
export interface SessionRecordStore {
  save(record: SessionRecord): Promise<void>;
  /** The record of `id`; `undefined` once deleted or expired. May extend its lifetime. */
  load(id: string): Promise<SessionRecord | undefined>;
  delete(id: string): Promise<void>;
}

/** Options of stateful mode. */
export interface SessionOptions {
  /** A session without requests or open streams for this long is closed. Default 30 minutes. */
  idleTimeoutMs?: number;
  /**
   * Most sessions at once. When full, an idle session of the identity holding the most
   * sessions is evicted (its least recently active one), so no caller can push out another's
   * sessions by opening many. Default 1000.
   */
  maxSessions?: number;
  /**
   * Most sessions of one identity (issuer, subject, client). An identity at its quota that
   * opens another loses its own least recently active idle session. Default 16.
   */
  maxSessionsPerIdentity?: number;
  /**
   * Shared session records, so that any instance can serve a session: a session opened on
   * another instance is adopted (a server of its own here, told the client's `initialize`
   * again), and one deleted anywhere is gone everywhere. The bounds above stay per instance.
   */
  records?: SessionRecordStore;
}

/** Room claimed for a session being opened, counted until it is added or given up. */
export interface SessionClaim {
  /** The session is open: it takes the claimed room. */
  add(session: Session): void;
  /** Opening failed: the room is free again. */
  release(): void;
}

const isLive = (session: Session) =>
  session.activeRequests > 0 || session.standalone?.connected === true;

/** The sessions of one endpoint, with idle expiry and bounds on their number, overall and per identity. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  /** Counts each open session closed on `portcullis.open` (OpenTelemetry). */
  readonly #untrack = new Map<string, () => void>();
  /** Sessions and claims of each identity. */
  readonly #perOwner = new Map<string, number>();
  #claims = 0;
  readonly #idleTimeoutMs: number;
  readonly #maxSessions: number;
  readonly #maxPerOwner: number;
  readonly #timer: NodeJS.Timeout;

  constructor(options: SessionOptions = {}) {
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60_000;
    this.#maxSessions = options.maxSessions ?? 1000;
    this.#maxPerOwner = options.maxSessionsPerIdentity ?? 16;
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

  /**
   * Claims room for one more session of `owner`, evicting an idle session when a bound is
   * reached: the owner's own first, then one of the identity holding the most. Synchronous,
   * and the claim counts at once, so concurrent openings cannot all pass one check. Returns
   * `undefined` when every session in the way is busy.
   */
  claim(owner: string): SessionClaim | undefined {
    if (
      this.#count(owner) >= this.#maxPerOwner &&
      !this.#evictIdle((session) => session.owner === owner)
    )
      return undefined;
    if (
      this.#sessions.size + this.#claims >= this.#maxSessions &&
      !this.#evictIdle(this.#busiestOwner()) &&
      !this.#evictIdle(() => true)
    )
      return undefined;
    this.#claims += 1;
    this.#perOwner.set(owner, this.#count(owner) + 1);
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.#claims -= 1;
      return true;
    };
    return {
      add: (session) => {
        if (!settle()) return;
        this.#sessions.set(session.id, session);
        this.#untrack.set(session.id, trackOpen('session', 'streamable-http'));
      },
      release: () => {
        if (settle()) this.#forgetOwner(owner);
      },
    };
  }

  /** Ends a session: its streams, its server. */
  async delete(id: string): Promise<void> {
    const session = this.#sessions.get(id);
    if (!session) return;
    this.#remove(session);
    await this.#end(session);
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

  #count(owner: string): number {
    return this.#perOwner.get(owner) ?? 0;
  }

  #forgetOwner(owner: string): void {
    const left = this.#count(owner) - 1;
    if (left > 0) this.#perOwner.set(owner, left);
    else this.#perOwner.delete(owner);
  }

  #remove(session: Session): void {
    if (!this.#sessions.delete(session.id)) return;
    this.#forgetOwner(session.owner);
    this.#untrack.get(session.id)?.();
    this.#untrack.delete(session.id);
  }

  /** Sessions of the identity holding the most of them. */
  #busiestOwner(): (session: Session) => boolean {
    let busiest: string | undefined;
    for (const [owner, count] of this.#perOwner)
      if (busiest === undefined || count > this.#count(busiest)) busiest = owner;
    return (session) => session.owner === busiest;
  }

  /** Evicts the least recently active idle session that `matches`, at once; false if none. */
  #evictIdle(matches: (session: Session) => boolean): boolean {
    let oldest: Session | undefined;
    for (const session of this.#sessions.values()) {
      if (
        matches(session) &&
        !isLive(session) &&
        (!oldest || session.lastActivity < oldest.lastActivity)
      )
        oldest = session;
    }
    if (!oldest) return false;
    this.#remove(oldest);
    void this.#end(oldest);
    return true;
  }

  /** Ends a session's streams, then its server. */
  async #end(session: Session): Promise<void> {
    await Promise.all([
      session.standalone?.end(),
      ...[...session.streams.values()].map((stream) => stream.end()),
    ]);
    await session.channel.close();
  }
}
