import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createMemoryRateLimiter, defineTool } from '@portcullis/core';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialize, post, startProtectedServer } from './fixtures.js';

/** A round-robin reverse proxy in front of several instances, as a load balancer would be. */
async function startRoundRobinProxy() {
  const targets: string[] = [];
  let next = 0;
  const proxy = createServer((req, res) => {
    const target = new URL(targets[next++ % targets.length]!);
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    targets,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

/** Reads SSE events from a response body until `count` have arrived. */
async function readEvents(body: ReadableStream<Uint8Array>, count: number) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: Array<{ id?: string; data: unknown }> = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data) events.push({ id, data: JSON.parse(data) });
      end = buffer.indexOf('\n\n');
    }
  }
  return { events, cancel: () => reader.cancel() };
}

describe('operating the Streamable HTTP endpoint', () => {
  let as: AuthorizationServer;
  beforeAll(async () => {
    as = await startAuthorizationServer();
  });
  afterAll(() => as.close());

  it('runs stateless behind a load balancer: two instances answer one SDK client alternately', async () => {
    const proxy = await startRoundRobinProxy();
    const a = await startProtectedServer(as, { instance: 'a', resource: proxy.url });
    const b = await startProtectedServer(as, { instance: 'b', resource: proxy.url });
    proxy.targets.push(a.url, b.url);
    try {
      const token = await as.mintToken({ audience: proxy.url, scopes: ['files:read'] });
      const transport = new StreamableHTTPClientTransport(new URL(proxy.url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      });
      const client = new Client({ name: 'balanced', version: '1.0.0' });
      await client.connect(transport);
      expect(transport.sessionId).toBeUndefined();
      const answers = [];
      for (let i = 0; i < 4; i += 1) {
        const result = await client.callTool({ name: 'read_file', arguments: { path: `f${i}` } });
        answers.push((result.content as Array<{ text: string }>)[0]!.text);
      }
      const instances = answers.map((answer) => answer.split(':')[0]);
      expect(answers.map((answer) => answer.slice(2))).toEqual([
        'dev-user:read:f0',
        'dev-user:read:f1',
        'dev-user:read:f2',
        'dev-user:read:f3',
      ]);
      expect(instances.every((instance, i) => i === 0 || instance !== instances[i - 1])).toBe(true);
      expect(new Set(instances)).toEqual(new Set(['a', 'b']));
      await client.close();
    } finally {
      await proxy.close();
      await a.close();
      await b.close();
    }
  });

  it('keeps answering calls in flight during a graceful shutdown, then refuses connections', async () => {
    // A call that runs until the test releases it: in flight for as long as the test needs,
    // however slow the machine, and known to have started when its handler says so.
    let enter!: () => void;
    let release!: () => void;
    const entered = new Promise<void>((resolve) => {
      enter = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gate = defineTool({
      name: 'gate',
      description: 'Runs until released.',
      scopes: [],
      handler: async () => {
        enter();
        await released;
        return { content: [{ type: 'text', text: 'released' }] };
      },
    });
    const server = await startProtectedServer(as, { tools: [gate] });
    const token = await as.mintToken({ audience: server.url, scopes: [] });
    const auth = { authorization: `Bearer ${token}` };
    const inFlight = post(
      server.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'gate', arguments: {} } },
      auth,
    );
    await entered;
    expect(server.handler.inFlight).toBe(1);
    let closed = false;
    const closing = server.close({ deadlineMs: 60_000 }).then(() => {
      closed = true;
    });
    // Closing: a new connection is refused while the call is still running and awaited.
    await expect(post(server.url, initialize(), auth)).rejects.toThrow();
    expect(closed).toBe(false);
    expect(server.handler.inFlight).toBe(1);
    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.json.result.content).toEqual([{ type: 'text', text: 'released' }]);
    await closing;
    expect(server.handler.inFlight).toBe(0);
  });

  it('rate-limits each identity with 429 and Retry-After', async () => {
    const server = await startProtectedServer(as, {
      rateLimiter: createMemoryRateLimiter({ limit: 3, windowMs: 60_000 }),
    });
    try {
      const auth = {
        authorization: `Bearer ${await as.mintToken({ audience: server.url, subject: 'flood' })}`,
      };
      const statuses = [];
      for (let i = 0; i < 4; i += 1)
        statuses.push(
          (await post(server.url, { jsonrpc: '2.0', id: i, method: 'ping' }, auth)).status,
        );
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await post(server.url, { jsonrpc: '2.0', id: 9, method: 'ping' }, auth);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const other = {
        authorization: `Bearer ${await as.mintToken({ audience: server.url, subject: 'calm' })}`,
      };
      expect(
        (await post(server.url, { jsonrpc: '2.0', id: 10, method: 'ping' }, other)).status,
      ).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('resumes an SSE stream with Last-Event-ID after the connection dropped', async () => {
    const server = await startProtectedServer(as, { sessions: {} });
    try {
      const auth = { authorization: `Bearer ${await as.mintToken({ audience: server.url })}` };
      const init = await post(server.url, initialize(), auth);
      const session = {
        ...auth,
        'mcp-session-id': init.headers.get('mcp-session-id')!,
        'mcp-protocol-version': '2025-11-25',
      };
      const first = await fetch(server.url, {
        method: 'POST',
        headers: {
          ...session,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: { name: 'slow', arguments: { ms: 200 }, _meta: { progressToken: 'p' } },
        }),
      });
      const { events: before, cancel } = await readEvents(first.body!, 1);
      expect(before[0]!.data).toMatchObject({
        method: 'notifications/progress',
        params: { progress: 1 },
      });
      await cancel();

      const resumed = await fetch(server.url, {
        headers: { ...session, accept: 'text/event-stream', 'last-event-id': before[0]!.id! },
      });
      expect(resumed.status).toBe(200);
      const { events: after } = await readEvents(resumed.body!, 2);
      expect(after.map((event) => event.data)).toEqual([
        {
          jsonrpc: '2.0',
          method: 'notifications/progress',
          params: { progressToken: 'p', progress: 2, total: 2, message: 'finished' },
        },
        { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'slept 200' }] } },
      ]);
    } finally {
      await server.close({ deadlineMs: 500 });
    }
  });

  it('bounds sessions: the least recently active idle one is evicted, idle ones expire', async () => {
    const server = await startProtectedServer(as, {
      sessions: { maxSessions: 2, idleTimeoutMs: 200 },
    });
    try {
      const auth = { authorization: `Bearer ${await as.mintToken({ audience: server.url })}` };
      const open = async () =>
        (await post(server.url, initialize(), auth)).headers.get('mcp-session-id')!;
      const first = await open();
      await open();
      await open();
      expect(server.handler.sessionCount).toBe(2);
      const evicted = await post(
        server.url,
        { jsonrpc: '2.0', id: 2, method: 'ping' },
        { ...auth, 'mcp-session-id': first },
      );
      expect(evicted.status).toBe(404);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(server.handler.sessionCount).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('keeps quotas per identity: one caller opening many sessions, at once, never evicts another', async () => {
    const server = await startProtectedServer(as, {
      sessions: { maxSessions: 3, maxSessionsPerIdentity: 2 },
    });
    try {
      const as_ = (subject: string) =>
        as
          .mintToken({ audience: server.url, subject })
          .then((token) => ({ authorization: `Bearer ${token}` }));
      const alice = await as_('alice');
      const mallory = await as_('mallory');
      const aliceSession = (await post(server.url, initialize(), alice)).headers.get(
        'mcp-session-id',
      )!;
      const opened = await Promise.all(
        Array.from({ length: 12 }, () => post(server.url, initialize(), mallory)),
      );
      expect(opened.every((answer) => answer.status === 200 || answer.status === 503)).toBe(true);
      expect(server.handler.sessionCount).toBeLessThanOrEqual(3);
      const still = await post(
        server.url,
        { jsonrpc: '2.0', id: 2, method: 'ping' },
        { ...alice, 'mcp-session-id': aliceSession, 'mcp-protocol-version': '2025-11-25' },
      );
      expect(still.status).toBe(200);
      const answers = still.text
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => JSON.parse(line.slice(6)));
      expect(answers).toContainEqual({ jsonrpc: '2.0', id: 2, result: {} });
    } finally {
      await server.close();
    }
  });

  it("mounts inside the user's own Koa app next to its routes, with a health endpoint", async () => {
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (ctx.path === '/hello') ctx.body = 'world';
      else await next();
    });
    const server = await startProtectedServer(as, { app });
    try {
      expect(await (await fetch(new URL('/hello', server.url))).text()).toBe('world');
      expect(await (await fetch(new URL('/healthz', server.url))).json()).toEqual({ status: 'ok' });
      expect((await post(server.url, initialize())).status).toBe(401);
      expect((await fetch(new URL('/elsewhere', server.url))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
