import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, startAttackTarget } from './attack-target.js';
import { answerOf, mcpHeaders, post, rpcError, WRITE_PWNED } from './json-rpc-http.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'c', version: '1' },
  },
};
const LIST = {
  jsonrpc: '2.0',
  id: 2,
  method: 'tools/call',
  params: { name: 'list_files', arguments: {} },
};

describe('session attacks (S-…)', () => {
  let target: AttackTarget;
  let alice: { token: string; session: string; eventId: string };
  let mallory: { token: string; session: string };

  /** Opens a session for `token`: its id. */
  const open = async (token: string) => {
    const answer = await post(target.server.url, INITIALIZE, mcpHeaders(token));
    const session = answer.headers.get('mcp-session-id')!;
    await post(
      target.server.url,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      mcpHeaders(token, { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' }),
    );
    return session;
  };
  const inSession = (token: string, session: string, extra: Record<string, string> = {}) =>
    mcpHeaders(token, {
      'mcp-session-id': session,
      'mcp-protocol-version': '2025-11-25',
      ...extra,
    });

  beforeAll(async () => {
    target = await startAttackTarget(['--sessions', '--rate-limit', 'off']);
    const aliceToken = await target.mint({ subject: 'alice' });
    const aliceSession = await open(aliceToken);
    // A call of alice's on her session: its SSE answer carries event ids an attacker could replay.
    const listed = await post(target.server.url, LIST, inSession(aliceToken, aliceSession));
    const eventId = /^id: (.+)$/m.exec(listed.text)![1]!;
    alice = { token: aliceToken, session: aliceSession, eventId };
    const malloryToken = await target.mint({ subject: 'mallory' });
    mallory = { token: malloryToken, session: await open(malloryToken) };
  });
  afterAll(async () => {
    await target?.close();
  });

  /** Runs an attack, checks it did no harm, and that `mismatches` session mismatches were audited. */
  const unharmed = async (attack: () => Promise<void>, mismatches: number) => {
    const written = await target.unharmed(attack);
    expect(written.filter((line) => line.msg === 'session_mismatch')).toHaveLength(mismatches);
  };

  const notFound = { status: 404, error: { code: -32001, message: 'Session not found' } };

  it('S-01 hijack: another identity calls write_file on the session of alice', async () => {
    await unharmed(async () => {
      const answer = await post(
        target.server.url,
        WRITE_PWNED,
        inSession(mallory.token, alice.session),
      );
      expect({ status: answer.status, error: rpcError(answer.body) }).toEqual(notFound);
    }, 1);
  });

  it("S-02 hijack: another identity opens the GET stream of alice's session", async () => {
    await unharmed(async () => {
      const answer = await answerOf(
        await fetch(target.server.url, {
          headers: { ...inSession(mallory.token, alice.session), accept: 'text/event-stream' },
        }),
      );
      expect({ status: answer.status, error: rpcError(answer.body) }).toEqual(notFound);
    }, 1);
  });

  it("S-03 hijack: another identity deletes alice's session, which lives on", async () => {
    await unharmed(async () => {
      const answer = await answerOf(
        await fetch(target.server.url, {
          method: 'DELETE',
          headers: inSession(mallory.token, alice.session),
        }),
      );
      expect({ status: answer.status, error: rpcError(answer.body) }).toEqual(notFound);
    }, 1);
    const ping = await post(
      target.server.url,
      { jsonrpc: '2.0', id: 3, method: 'ping' },
      inSession(alice.token, alice.session),
    );
    expect(ping.status).toBe(200);
  });

  it('S-04 fixation: initialize naming a session id chosen by the attacker', async () => {
    await unharmed(async () => {
      const answer = await post(
        target.server.url,
        INITIALIZE,
        mcpHeaders(alice.token, { 'mcp-session-id': 'attacker-chosen' }),
      );
      expect({
        status: answer.status,
        error: rpcError(answer.body),
        session: answer.headers.get('mcp-session-id'),
      }).toEqual({
        status: 400,
        error: { code: -32600, message: 'initialize must not name a session' },
        session: null,
      });
    }, 0);
  });

  it('S-05 guessing: 200 random session ids', async () => {
    await unharmed(async () => {
      const statuses = await Promise.all(
        Array.from(
          { length: 200 },
          async () =>
            (await post(target.server.url, WRITE_PWNED, inSession(mallory.token, randomUUID())))
              .status,
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([404]));
    }, 0);
  });

  it("S-06 replay: alice's Last-Event-ID on the attacker's own session", async () => {
    await unharmed(async () => {
      const answer = await answerOf(
        await fetch(target.server.url, {
          headers: {
            ...inSession(mallory.token, mallory.session),
            accept: 'text/event-stream',
            'last-event-id': alice.eventId,
          },
        }),
      );
      expect({ status: answer.status, error: rpcError(answer.body) }).toEqual({
        status: 400,
        error: {
          code: -32600,
          message: 'Bad Request: Last-Event-ID does not belong to this session',
        },
      });
      expect(answer.text).not.toContain('notes');
    }, 0);
  });

  it("S-07 replay: alice's Last-Event-ID on alice's session, with the attacker's token", async () => {
    await unharmed(async () => {
      const answer = await answerOf(
        await fetch(target.server.url, {
          headers: {
            ...inSession(mallory.token, alice.session),
            accept: 'text/event-stream',
            'last-event-id': alice.eventId,
          },
        }),
      );
      expect({ status: answer.status, error: rpcError(answer.body) }).toEqual(notFound);
      expect(answer.text).not.toContain('notes');
    }, 1);
  });

  it("S-08 alice's session id padded with whitespace (HTTP trims it: still hers, still refused)", async () => {
    await unharmed(async () => {
      const answer = await post(
        target.server.url,
        WRITE_PWNED,
        inSession(mallory.token, `${alice.session}\t `),
      );
      expect({ status: answer.status, error: rpcError(answer.body) }).toEqual(notFound);
    }, 1);
  });
});
