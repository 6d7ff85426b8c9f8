import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServerChannel, type MessageSink } from '../src/adapter.js';
import {
  type AuthInfo,
  createPortcullis,
  createRegistry,
  defineTool,
  type JSONRPCMessage,
} from '../src/index.js';

const identity = (subject: string, scopes: string[]): AuthInfo => ({
  token: `t-${subject}`,
  clientId: 'c',
  scopes,
  expiresAt: Math.floor(Date.now() / 1000) + 600,
  issuer: 'https://issuer.example',
  subject,
  claims: {},
});

function collector(): MessageSink & {
  messages: JSONRPCMessage[];
  next(): Promise<JSONRPCMessage>;
} {
  const messages: JSONRPCMessage[] = [];
  const waiters: Array<(message: JSONRPCMessage) => void> = [];
  return {
    messages,
    send(message) {
      messages.push(message);
      waiters.shift()?.(message);
    },
    next: () => new Promise((resolve) => waiters.push(resolve)),
  };
}

describe('a server channel shared by several clients', async () => {
  const started: string[] = [];
  const gate = { release: () => {} };
  const portcullis = createPortcullis({
    resource: 'https://mcp.example.test/mcp',
    server: { name: 's', version: '1' },
    registry: createRegistry({
      tools: [
        defineTool({
          name: 'echo',
          description: 'Echo who asks, after reporting progress.',
          scopes: ['echo'],
          input: z.object({ text: z.string() }),
          handler: async ({ text }, { auth, reportProgress }) => {
            await reportProgress(1, 1);
            return { content: [{ type: 'text', text: `${auth?.subject}:${text}` }] };
          },
        }),
        defineTool({
          name: 'wait',
          description: 'Waits until released or cancelled.',
          scopes: [],
          handler: (_args, { signal }) =>
            new Promise((resolve) => {
              started.push('wait');
              gate.release = () => resolve({ content: [] });
              signal.addEventListener('abort', () => {
                started.push('aborted');
                resolve({ content: [] });
              });
            }),
        }),
      ],
    }),
    verifier: false,
  });
  const channel = await createServerChannel(
    portcullis.createServer({ auth: undefined, transport: 'in-memory' }),
  );

  it('keeps colliding request ids of different clients apart, each with its own identity', async () => {
    const alice = collector();
    const bob = collector();
    const call = (text: string) => ({
      jsonrpc: '2.0' as const,
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text }, _meta: { progressToken: `p-${text}` } },
    });
    const aliceDone = alice.next().then(() => alice.next());
    const bobDone = bob.next().then(() => bob.next());
    channel.dispatch(call('a'), { auth: identity('alice', ['echo']), sink: alice });
    channel.dispatch(call('b'), { auth: identity('bob', ['echo']), sink: bob });
    await Promise.all([aliceDone, bobDone]);
    expect(alice.messages).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: 'p-a', progress: 1, total: 1 },
      },
      { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'alice:a' }] } },
    ]);
    expect(bob.messages[1]).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: 'bob:b' }] },
    });
    expect(channel.pending).toBe(0);
  });

  it('cancels the pending requests of a client that went away', async () => {
    const carol = collector();
    channel.dispatch(
      { jsonrpc: '2.0', id: 'x', method: 'tools/call', params: { name: 'wait' } },
      { sink: carol },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(channel.pending).toBe(1);
    channel.release(carol);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toEqual(['wait', 'aborted']);
    expect(channel.pending).toBe(0);
    expect(carol.messages).toEqual([]);
  });

  it('serves 2026-07-28 requests on a modern channel, and refuses envelopes naming another revision', async () => {
    const modern = await createServerChannel(
      portcullis.createServer({ auth: undefined, transport: 'in-memory' }),
      { era: 'modern' },
    );
    const dave = collector();
    const envelope = (version: string) => ({
      'io.modelcontextprotocol/protocolVersion': version,
      'io.modelcontextprotocol/clientCapabilities': {},
    });
    for (const [id, version] of [
      [1, '2026-07-28'],
      [2, '2025-06-18'],
      [3, '1900-01-01'],
    ] as const) {
      const answered = dave.next();
      modern.dispatch(
        { jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: envelope(version) } },
        { sink: dave },
      );
      await answered;
    }
    expect(dave.messages[0]).toMatchObject({ id: 1, result: { resultType: 'complete' } });
    for (const [index, requested] of [
      [1, '2025-06-18'],
      [2, '1900-01-01'],
    ] as const)
      expect(dave.messages[index]).toMatchObject({
        error: { code: -32022, data: { supported: ['2026-07-28'], requested } },
      });
    await modern.close();
  });
});
