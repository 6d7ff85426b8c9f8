import { randomBytes, randomUUID } from 'node:crypto';
import { AuthError, type JSONRPCMessage } from '@portcullis/core';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRedis,
  connectRedisSharedState,
  createRedisEventStore,
  createRedisExchangedTokenStore,
  createRedisIntrospectionCache,
  createRedisRateLimiter,
  createRedisReplayCache,
  createRedisResourceUpdates,
  createRedisSessionRecords,
} from '../src/index.js';
import { hasRedisServer, type RedisProcess, startRedis } from './redis-process.js';

const available = hasRedisServer();
if (!available && process.env.CI)
  throw new Error('redis-server is not installed; .ci/run installs it');

const waitFor = async (check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe.skipIf(!available)('@portcullis/redis against a real redis-server', () => {
  let server: RedisProcess;
  let a: Redis;
  let b: Redis;

  beforeAll(async () => {
    server = await startRedis();
    a = await connectRedis(server.url);
    b = await connectRedis(server.url);
  });
  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
    await server?.stop();
  });

  it('holds a rate limit in total across clients, then fails closed without Redis and recovers', async () => {
    const keyPrefix = `rl-${randomUUID()}`;
    const onA = createRedisRateLimiter({ redis: a, limit: 5, windowMs: 60_000, keyPrefix });
    const onB = createRedisRateLimiter({ redis: b, limit: 5, windowMs: 60_000, keyPrefix });
    const decisions = [];
    for (let i = 0; i < 4; i++) {
      decisions.push(await onA.consume('caller'));
      decisions.push(await onB.consume('caller'));
    }
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    const refused = decisions.find((decision) => !decision.allowed)!;
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await onA.consume('someone else')).allowed).toBe(true);

    await server.stop();
    await waitFor(() => a.status !== 'ready');
    const error = await Promise.resolve(onA.consume('caller')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('unavailable');

    await server.start();
    await waitFor(() => a.status === 'ready' && b.status === 'ready');
    // Redis came back empty (no persistence): a fresh window.
    expect((await onA.consume('caller')).allowed).toBe(true);
  });

  it('accepts a DPoP proof id once across instances, until it expires', async () => {
    const keyPrefix = `jti-${randomUUID()}`;
    const onA = createRedisReplayCache({ redis: a, keyPrefix });
    const onB = createRedisReplayCache({ redis: b, keyPrefix });
    const expiresAt = Date.now() + 300;
    const first = await Promise.all([onA.use('jti-1', expiresAt), onB.use('jti-1', expiresAt)]);
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(await onA.use('jti-1', expiresAt)).toBe(false);
    await waitFor(async () => await onB.use('jti-1', Date.now() + 300), 3000);
  });

  it('shares introspection answers by token hash until their expiry', async () => {
    const keyPrefix = `ic-${randomUUID()}`;
    const writer = createRedisIntrospectionCache({ redis: a, keyPrefix });
    const reader = createRedisIntrospectionCache({ redis: b, keyPrefix });
    const entry = { answer: { active: true, sub: 'x', exp: 2e9 }, expiresAtMs: Date.now() + 300 };
    await writer.set('hash-1', entry);
    expect(await reader.get('hash-1')).toEqual(entry);
    expect(await reader.get('hash-2')).toBeUndefined();
    await writer.set('hash-3', { ...entry, expiresAtMs: Date.now() - 1 });
    expect(await reader.get('hash-3')).toBeUndefined();
    await waitFor(async () => (await reader.get('hash-1')) === undefined, 3000);
  });

  it('fans resource updates out to the other instances, once each', async () => {
    const channel = `ru-${randomUUID()}`;
    const hubA = createRedisResourceUpdates({ redis: a, channel });
    const hubB = createRedisResourceUpdates({ redis: b, channel });
    await Promise.all([hubA.ready, hubB.ready]);
    const heardA: string[] = [];
    const heardB: string[] = [];
    hubA.listen((uri) => heardA.push(uri));
    const stop = hubB.listen((uri) => heardB.push(uri));
    hubA.notify('file:///a.txt');
    hubB.notify('file:///b.txt');
    await waitFor(() => heardA.length === 2 && heardB.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heardA.sort()).toEqual(['file:///a.txt', 'file:///b.txt']);
    expect(heardB.sort()).toEqual(['file:///a.txt', 'file:///b.txt']);
    stop();
    hubA.notify('file:///c.txt');
    await waitFor(() => heardA.length === 3);
    expect(heardB).toHaveLength(2);
    await hubA.close();
    await hubB.close();
  });

  it('stores SSE events where another instance can replay them', async () => {
    const keyPrefix = `ev-${randomUUID()}`;
    const onA = createRedisEventStore({ redis: a, keyPrefix });
    const onB = createRedisEventStore({ redis: b, keyPrefix });
    const message = (n: number): JSONRPCMessage =>
      ({ jsonrpc: '2.0', method: 'notifications/progress', params: { n } }) as JSONRPCMessage;
    const first = await onA.storeEvent('session-1.stream', message(1));
    await onA.storeEvent('session-1.stream', message(2));
    await onA.storeEvent('session-1.other', message(9));
    await onA.storeEvent('session-1.stream', message(3));
    expect(await onB.getStreamIdForEventId!(first)).toBe('session-1.stream');
    expect(await onB.getStreamIdForEventId!('session-9.stream_1-0')).toBeUndefined();
    expect(await onB.getStreamIdForEventId!('not an id')).toBeUndefined();
    const replayed: Array<[string, JSONRPCMessage]> = [];
    const streamId = await onB.replayEventsAfter(first, {
      send: async (id, sent) => void replayed.push([id, sent]),
    });
    expect(streamId).toBe('session-1.stream');
    expect(
      replayed.map(([, sent]) => (sent as unknown as { params: { n: number } }).params.n),
    ).toEqual([2, 3]);
    expect(replayed[0]![0].startsWith('session-1.stream_')).toBe(true);
  });

  it('shares session records, extends them on use, forgets them when deleted or idle', async () => {
    const keyPrefix = `sr-${randomUUID()}`;
    const onA = createRedisSessionRecords({ redis: a, keyPrefix, idleTimeoutMs: 400 });
    const onB = createRedisSessionRecords({ redis: b, keyPrefix, idleTimeoutMs: 400 });
    const record = {
      id: 's-1',
      owner: '["iss","sub","client"]',
      protocolVersion: '2025-06-18',
      initialize: { capabilities: {} },
    };
    await onA.save(record);
    expect(await onB.load('s-1')).toEqual(record);
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await onB.load('s-1')).toEqual(record);
    }
    await onB.delete('s-1');
    expect(await onA.load('s-1')).toBeUndefined();
    await onA.save({ ...record, id: 's-2' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await onB.load('s-2')).toBeUndefined();
  });

  it('shares exchanged tokens between instances, encrypted at rest, until they expire', async () => {
    const keyPrefix = `ex-${randomUUID()}`;
    const encryptionKey = randomBytes(32);
    const onA = createRedisExchangedTokenStore({ redis: a, encryptionKey, keyPrefix });
    const onB = createRedisExchangedTokenStore({ redis: b, encryptionKey, keyPrefix });
    const record = {
      accessToken: `downstream-${randomUUID()}`,
      tokenType: 'Bearer',
      scope: 'inventory:read',
      expiresAt: Math.floor(Date.now() / 1000) + 600,
    };
    await onA.set('hash-1', record, Date.now() + 400);
    expect(await onB.get('hash-1')).toEqual(record);
    // At rest: no token in Redis, only ciphertext.
    const raw = await a.getBuffer(`${keyPrefix}:hash-1`);
    expect(raw?.includes(record.accessToken)).toBe(false);
    // Another key, or the record under another id: a miss, not an error.
    const stranger = createRedisExchangedTokenStore({
      redis: b,
      encryptionKey: randomBytes(32),
      keyPrefix,
    });
    expect(await stranger.get('hash-1')).toBeUndefined();
    await a.set(`${keyPrefix}:hash-2`, raw!);
    expect(await onB.get('hash-2')).toBeUndefined();
    await waitFor(async () => (await onB.get('hash-1')) === undefined);
    expect(() =>
      createRedisExchangedTokenStore({ redis: a, encryptionKey: randomBytes(16) }),
    ).toThrow('encryptionKey must be 32 bytes');
  });

  it('gives up on each command of a frozen Redis within the command timeout, and serves again once it resumes', async () => {
    // The default options: a frozen Redis must not hang anything that uses them.
    const state = await connectRedisSharedState(server.url, {
      rateLimit: { limit: 100, windowMs: 60_000 },
    });
    const record = {
      id: `frozen-${randomUUID()}`,
      owner: '["iss","sub","client"]',
      protocolVersion: '2025-11-25',
      initialize: { capabilities: {} },
    };
    try {
      await state.sessionRecords.save(record);
      await server.freeze();
      try {
        // Alive but silent: every piece fails (closed) instead of waiting for Redis to wake.
        const failures = await Promise.all([
          Promise.resolve(state.replayCache.use(`jti-${randomUUID()}`, Date.now() + 60_000)).catch(
            (error: unknown) => error,
          ),
          Promise.resolve(state.rateLimiter!.consume('frozen caller')).catch(
            (error: unknown) => error,
          ),
          state.sessionRecords.load(record.id).catch((error: unknown) => error),
          state.introspectionCache.get('hash').catch((error: unknown) => error),
          state.eventStore
            .storeEvent('s.stream', { jsonrpc: '2.0', method: 'x' })
            .catch((error: unknown) => error),
        ]);
        for (const failure of failures) expect(failure).toBeInstanceOf(Error);
        expect((failures[1] as AuthError).code).toBe('unavailable');
        expect((failures[0] as Error).message).toBe('Command timed out');
      } finally {
        server.thaw();
      }
      // The same connection serves again, each answer matched to its own command (the late
      // answers to the timed-out ones are not handed to later commands).
      const jti = `jti-${randomUUID()}`;
      expect(await state.replayCache.use(jti, Date.now() + 60_000)).toBe(true);
      expect(await state.replayCache.use(jti, Date.now() + 60_000)).toBe(false);
      expect(await state.sessionRecords.load(record.id)).toEqual(record);
      expect((await state.rateLimiter!.consume('frozen caller')).allowed).toBe(true);
    } finally {
      await state.close();
    }
  });
});
