import { randomUUID } from 'node:crypto';
import { type AuthInfo, identityKey, type JSONRPCMessage, type Portcullis } from '@portcullis/core';
import {
  createServerChannel,
  defaultProtocolVersion,
  JsonRpcErrorCode,
  type RequestId,
  type ServerChannel,
} from '@portcullis/core/adapter';
import { HttpProblem } from './http-problem.js';
import {
  type Session,
  type SessionOptions,
  type SessionRecord,
  type SessionRecordStore,
  SessionStore,
} from './session-store.js';

const ANONYMOUS = 'anonymous';

/** The sessions of a stateful endpoint: opened, found for their owner, adopted, recorded. */
export interface SessionRoom {
  readonly size: number;
  /** Opens a session for `auth`; `undefined` when there is no room for it. */
  open(auth: AuthInfo | undefined, initialize: unknown): Promise<Session | undefined>;
  /**
   * The session `sessionId` names, when `auth` owns it; `undefined` (audited when another
   * identity owns it) otherwise. With shared records, the record decides on every request, and
   * a session opened on another instance is adopted here.
   */
  find(
    sessionId: string,
    auth: AuthInfo | undefined,
    id: RequestId | null,
  ): Promise<Session | undefined>;
  /** Notes the revision an `initialize` result negotiated, and shares the session's record. */
  noteResponse(session: Session, message: JSONRPCMessage): void;
  /** Ends a session everywhere (its shared record first). */
  end(session: Session): Promise<void>;
  closeAll(): Promise<void>;
}

/** Creates the {@link SessionRoom} of an endpoint; `transport` names it to servers and audits. */
export function createSessionRoom(
  portcullis: Portcullis,
  options: SessionOptions,
  transport: string,
): SessionRoom {
  const sessions = new SessionStore(options);
  /** Shared session records (several instances): the record, not this process, says what exists. */
  const records: SessionRecordStore | undefined = options.records;
  const adoptions = new Map<string, Promise<Session>>();
  const ownerOf = (auth: AuthInfo | undefined) => (auth ? identityKey(auth) : ANONYMOUS);
  const unavailable = (error: unknown, message: string) =>
    portcullis.logger.error(
      { err: error instanceof Error ? error.message : String(error) },
      message,
    );

  function newSession(id: string, owner: string, channel: ServerChannel, protocolVersion: string) {
    const session: Session = {
      id,
      owner,
      channel,
      protocolVersion,
      lastActivity: Date.now(),
      activeRequests: 0,
      standalone: undefined,
      streams: new Map(),
    };
    channel.onUnrelated = (message) => {
      void session.standalone?.send(message);
    };
    return session;
  }

  /** A channel with a server of its own for session `id`; the claim is released on failure. */
  async function openChannel(
    id: string,
    auth: AuthInfo | undefined,
    release: () => void,
  ): Promise<ServerChannel> {
    try {
      return await createServerChannel(portcullis.createServer({ auth, transport }), {
        sessionId: id,
      });
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The shared record of a session; the store being unreachable refuses the request (503). */
  async function loadRecord(store: SessionRecordStore, sessionId: string, id: RequestId | null) {
    try {
      return await store.load(sessionId);
    } catch (error) {
      unavailable(error, 'session store unavailable');
      throw new HttpProblem(
        503,
        JsonRpcErrorCode.InternalError,
        'the session store is unavailable; try again later',
        id,
      );
    }
  }

  /**
   * Serves here a session opened on another instance: a server of its own, told the client's
   * `initialize` again so it knows the negotiated version and the client's capabilities.
   * Concurrent requests of one session share the adoption.
   */
  function adopt(record: SessionRecord, auth: AuthInfo | undefined, id: RequestId | null) {
    let adoption = adoptions.get(record.id);
    if (adoption) return adoption;
    adoption = (async () => {
      const claim = sessions.claim(record.owner);
      if (!claim)
        throw new HttpProblem(503, JsonRpcErrorCode.InternalError, 'too many sessions', id);
      const channel = await openChannel(record.id, auth, claim.release);
      try {
        if (record.initialize) await replayInitialize(channel, record.initialize, auth);
      } catch (error) {
        claim.release();
        throw error;
      }
      const session = newSession(record.id, record.owner, channel, record.protocolVersion);
      session.initialize = record.initialize;
      claim.add(session);
      return session;
    })();
    adoptions.set(record.id, adoption);
    void adoption.finally(() => adoptions.delete(record.id)).catch(() => undefined);
    return adoption;
  }

  return {
    get size() {
      return sessions.size;
    },
    async open(auth, initialize) {
      const claim = sessions.claim(ownerOf(auth));
      if (!claim) return undefined;
      const id = randomUUID();
      const channel = await openChannel(id, auth, claim.release);
      const session = newSession(id, ownerOf(auth), channel, defaultProtocolVersion);
      session.initialize = initialize;
      claim.add(session);
      return session;
    },
    async find(sessionId, auth, id) {
      let session = sessions.get(sessionId);
      if (records) {
        const record = await loadRecord(records, sessionId, id);
        if (!record) {
          if (session) void sessions.delete(sessionId);
          session = undefined;
        } else if (record.owner !== ownerOf(auth)) {
          // Only its owner matters: the check below audits the mismatch.
          session = { owner: record.owner } as Session;
        } else if (!session) {
          session = await adopt(record, auth, id);
        }
      }
      if (session && session.owner !== ownerOf(auth)) {
        portcullis.audit({
          type: 'session_mismatch',
          issuer: auth?.issuer ?? '',
          subject: auth?.subject ?? '',
          clientId: auth?.clientId ?? '',
          transport,
        });
        return undefined;
      }
      if (session) session.lastActivity = Date.now();
      return session;
    },
    noteResponse(session, message) {
      const result = (message as { result?: { protocolVersion?: unknown } }).result;
      if (typeof result?.protocolVersion !== 'string') return;
      session.protocolVersion = result.protocolVersion;
      // The initialize result: from now on any instance may serve the session.
      records
        ?.save({
          id: session.id,
          owner: session.owner,
          protocolVersion: session.protocolVersion,
          initialize: session.initialize,
        })
        .catch((error: unknown) => unavailable(error, 'session record not saved'));
    },
    async end(session) {
      if (records) {
        try {
          await records.delete(session.id);
        } catch {
          throw new HttpProblem(
            503,
            JsonRpcErrorCode.InternalError,
            'the session store is unavailable',
          );
        }
      }
      await sessions.delete(session.id);
    },
    closeAll: () => sessions.closeAll(),
  };
}

/** Tells a new server the client's `initialize` (and `initialized`) of a session opened elsewhere. */
async function replayInitialize(
  channel: ServerChannel,
  params: unknown,
  auth: AuthInfo | undefined,
): Promise<void> {
  await new Promise<void>((resolve) => {
    const message = { jsonrpc: '2.0', id: 0, method: 'initialize', params } as JSONRPCMessage;
    channel.dispatch(message, { auth, sink: { send: () => resolve() } });
  });
  channel.dispatch(
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { auth, sink: { send: () => {} } },
  );
}
