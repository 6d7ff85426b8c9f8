import type { DpopKey } from '@portcullis/testing';
import type { PolicyTarget } from './policy-target.js';

/** The protocol era a driver speaks: the 2026-07-28 revision, or 2025-06-18 with `initialize`. */
export type Era = '2026-07-28' | '2025-06-18';

/**
 * What a refusal means, whatever the wire: every transport translates the core's one
 * admission refusal into its own form, and a driver reads that form back into one of these.
 */
export type RefusalKind =
  /** More than one credential was presented. */
  | 'two-credentials'
  /** The token is missing, invalid, expired, or bound to a key that was not proven. */
  | 'unauthorized'
  /** DPoP is required and no proof came (or none can travel on this transport). */
  | 'dpop-required'
  /** Over the caller's rate limit. */
  | 'rate-limited'
  /** A per-identity bound on state the caller holds (listen streams) is reached. */
  | 'limit-reached'
  /** The token lacks a scope the call needs. */
  | 'insufficient-scope';

/** A refusal as read off the wire: its meaning, and the wire form it had (for failure messages). */
export interface Refusal {
  readonly kind: RefusalKind;
  /** The transport's translation, e.g. `401 Bearer error="invalid_token"`, `-32001`, `close 4401`, `exit 1: portcullis: …`. */
  readonly wire: string;
}

/** What a call came back with: a result, or a refusal. */
export type Answer =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; refusal: Refusal };

/** One credential a caller presents: a token, sent as Bearer, or as DPoP with a proof of `key`. */
export interface Credential {
  readonly token: string;
  /** Present the token as DPoP, with a fresh proof of this key (where a proof can travel). */
  readonly dpop?: DpopKey;
}

/** An open connection (for Streamable HTTP, a caller sending requests with one credential). */
export interface Connection {
  /** Sends one request in the driver's era and reads its answer. */
  call(method: string, params?: Record<string, unknown>): Promise<Answer>;
  /** Presents a fresh credential on the open connection (`portcullis/authenticate`); only where `reauthenticates`. */
  reauthenticate?(credential: Credential): Promise<Answer>;
  /**
   * Opens a 2026-07-28 `subscriptions/listen` stream for `uris`: `opened` is a result once the
   * server acknowledged it, or its refusal; `ended` is how the server ended it (its answer).
   * Only on 2026-07-28 connections.
   */
  listen?(uris: readonly string[]): Promise<Listening>;
  /** Resolves with the transport's translation of the end when the server ends the connection. */
  readonly ended: Promise<string>;
  close(): Promise<void>;
}

/** What a connection attempt came to. */
export type Connected = { ok: true; connection: Connection } | { ok: false; refusal: Refusal };

/**
 * One transport in one era, started for real, as the contract suite drives it. A new transport
 * adds one driver and runs the whole table (`policy-cases.ts`): it passes, or it is not done.
 */
export interface TransportDriver {
  /** How the suite names it, e.g. `WebSocket 2026-07-28`. */
  readonly name: string;
  readonly era: Era;
  /** Flags added to every file server this driver runs against (e.g. `--sessions`). */
  readonly serverArgs: readonly string[];
  /**
   * How many admissions opening a connection spends from the caller's rate-limit budget before
   * the first call (an upgrade, a stdio start, a 2025 `initialize` with its notification).
   */
  readonly connectCost: number;
  /** Whether a DPoP proof can travel on this transport (stdio: no; it refuses to start instead). */
  readonly carriesProofs: boolean;
  /** Whether a connection outlives one request and can take a fresh token (`portcullis/authenticate`). */
  readonly reauthenticates: boolean;
  /**
   * The ways this transport allows two credentials to be presented at once (two headers, a header
   * and a subprotocol, …), each a name and how to connect so. Empty when only one can travel.
   */
  readonly twoCredentials: ReadonlyArray<{
    readonly way: string;
    connect(target: PolicyTarget, first: string, second: string): Promise<Connected>;
  }>;
  /**
   * The transport's translation of each refusal, as its `wire` form reads: the table asserts
   * that every refusal it meets has the meaning the row expects and this form.
   */
  readonly translation: Readonly<Record<RefusalKind, RegExp>>;
  /** Opens a connection presenting `credential` (none when undefined) to `target`. */
  connect(target: PolicyTarget, credential: Credential | undefined): Promise<Connected>;
}

/** An open (or refused) listen stream. */
export interface Listening {
  readonly opened: Answer;
  readonly ended: Promise<Answer>;
  close(): void;
}
