import { describe, expect, it } from 'vitest';
import { createServerChannel, type MessageSink } from '../src/adapter.js';
import {
  type AuthInfo,
  createMemoryReplayCache,
  createPortcullis,
  createRegistry,
  defineTool,
  type JSONRPCMessage,
} from '../src/index.js';

const identity = (subject: string): AuthInfo => ({
  token: `t-${subject}`,
  clientId: 'c',
  scopes: ['ask'],
  expiresAt: Math.floor(Date.now() / 1000) + 600,
  issuer: 'https://issuer.example',
  subject,
  claims: {},
});

const envelope = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};

type Answer = { result?: Record<string, unknown>; error?: { code: number; message: string } };

/** Sends one request through `channel` and resolves with its response. */
function request(
  channel: Awaited<ReturnType<typeof createServerChannel>>,
  message: object,
  auth: AuthInfo,
  onRequest?: (message: JSONRPCMessage & { id: number; method: string }) => void,
): Promise<Answer> {
  return new Promise((resolve) => {
    const sink: MessageSink = {
      send(outgoing) {
        const record = outgoing as Record<string, unknown>;
        if ('method' in record && 'id' in record) onRequest?.(outgoing as never);
        else if (!('method' in record)) resolve(outgoing as Answer);
      },
    };
    channel.dispatch(message as JSONRPCMessage, { auth, sink });
  });
}

describe('multi round-trip requests (input_required) with sealed request state', async () => {
  const runs: string[] = [];
  const create = (extra: Partial<Parameters<typeof createPortcullis>[0]> = {}) =>
    createPortcullis({
      resource: 'https://mcp.example.test/mcp',
      server: { name: 's', version: '1' },
      registry: createRegistry({
        tools: [
          defineTool({
            name: 'greet',
            description: 'Asks for a name, then greets.',
            scopes: ['ask'],
            handler: async (_args, context) => {
              runs.push(`${context.era}:${JSON.stringify(context.requestState ?? null)}`);
              const answer = context.inputResponses?.name as
                | { action: string; content?: { name?: string } }
                | undefined;
              if (!answer)
                return context.inputRequired(
                  {
                    name: {
                      method: 'elicitation/create',
                      params: {
                        message: 'Your name?',
                        requestedSchema: {
                          type: 'object',
                          properties: { name: { type: 'string' } },
                          required: ['name'],
                        },
                      },
                    },
                  },
                  { step: 1 },
                );
              return { content: [{ type: 'text', text: `Hello, ${answer.content?.name}!` }] };
            },
          }),
          defineTool({
            name: 'other',
            description: 'Another tool of the same scope.',
            scopes: ['ask'],
            handler: async (_args, context) => {
              runs.push(`other:${JSON.stringify(context.requestState ?? null)}`);
              return { content: [] };
            },
          }),
          defineTool({
            name: 'ask',
            description: 'Asks the user, then the model, with server-to-client requests (2025).',
            scopes: ['ask'],
            handler: async (_args, context) => {
              const elicited = await context.elicit({
                message: 'Your name?',
                requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
              });
              const sampled = await context.createMessage({
                messages: [{ role: 'user', content: { type: 'text', text: 'Hi' } }],
                maxTokens: 10,
              });
              return {
                content: [{ type: 'text', text: `${elicited.action}/${sampled.model}` }],
              };
            },
          }),
        ],
      }),
      verifier: { verify: async () => Promise.reject(new Error('not used')) },
      authorizationServers: ['https://issuer.example'],
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      ...extra,
    });
  const portcullis = create();
  const modern = await createServerChannel(
    portcullis.createServer({ auth: undefined, transport: 'in-memory' }),
    { era: 'modern' },
  );
  const call = (id: number, extra: object = {}) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'greet', arguments: {}, _meta: envelope, ...extra },
  });

  it('asks, then completes with the answers and the state it sealed', async () => {
    const alice = identity('alice');
    const first = await request(modern, call(1), alice);
    expect(first.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: { name: { method: 'elicitation/create' } },
    });
    const state = first.result?.requestState as string;
    expect(typeof state).toBe('string');
    expect(state).not.toContain('step');

    const second = await request(
      modern,
      call(2, {
        inputResponses: { name: { action: 'accept', content: { name: 'Alice' } } },
        requestState: state,
      }),
      alice,
    );
    expect(second.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'Hello, Alice!' }],
    });
    expect(runs.slice(-1)).toEqual(['modern:{"step":1}']);
  });

  it('refuses tampered state and state minted for another caller, before the handler runs', async () => {
    const first = await request(modern, call(3), identity('alice'));
    const state = first.result?.requestState as string;
    const before = runs.length;
    const answers = { name: { action: 'accept', content: { name: 'Mallory' } } };

    const tampered = await request(
      modern,
      call(4, { inputResponses: answers, requestState: `${state.slice(0, -2)}xx` }),
      identity('alice'),
    );
    expect(tampered.error?.code).toBe(-32602);

    const replayed = await request(
      modern,
      call(5, { inputResponses: answers, requestState: state }),
      identity('mallory'),
    );
    expect(replayed.error?.code).toBe(-32602);
    expect(runs.length).toBe(before);
  });

  it('refuses state sealed for another tool, and state used once already', async () => {
    const alice = identity('alice');
    const answers = { name: { action: 'accept', content: { name: 'Alice' } } };
    const state = (await request(modern, call(6), alice)).result?.requestState as string;
    const before = runs.length;

    const elsewhere = await request(
      modern,
      call(7, { name: 'other', inputResponses: answers, requestState: state }),
      alice,
    );
    expect(elsewhere.error).toMatchObject({
      code: -32602,
      message: 'Invalid or expired requestState',
      data: { detail: 'it was issued for another tool' },
    });
    expect(runs.length).toBe(before);

    const used = await request(
      modern,
      call(8, { inputResponses: answers, requestState: state }),
      alice,
    );
    expect(used.result).toMatchObject({ content: [{ text: 'Hello, Alice!' }] });
    const again = await request(
      modern,
      call(9, { inputResponses: answers, requestState: state }),
      alice,
    );
    expect(again.error).toMatchObject({
      code: -32602,
      data: { detail: 'it was already used' },
    });
    expect(runs.length).toBe(before + 1);
  });

  it('refuses state used on another instance that shares the key and the replay cache', async () => {
    const shared = {
      requestStateKey: 'k'.repeat(32),
      requestStateReplayCache: createMemoryReplayCache(),
    };
    const [one, two] = await Promise.all(
      [create(shared), create(shared)].map((instance) =>
        createServerChannel(instance.createServer({ auth: undefined, transport: 'in-memory' }), {
          era: 'modern',
        }),
      ),
    );
    const alice = identity('alice');
    const answers = { name: { action: 'accept', content: { name: 'Alice' } } };
    const state = (await request(one!, call(10), alice)).result?.requestState as string;
    const retry = call(11, { inputResponses: answers, requestState: state });
    expect((await request(two!, retry, alice)).result).toMatchObject({
      content: [{ text: 'Hello, Alice!' }],
    });
    expect((await request(one!, retry, alice)).error).toMatchObject({
      code: -32602,
      data: { detail: 'it was already used' },
    });
    await Promise.all([one!.close(), two!.close()]);
  });

  it('serves the same handler to a 2025 client with a server-to-client elicitation', async () => {
    const legacy = await createServerChannel(
      portcullis.createServer({ auth: undefined, transport: 'in-memory' }),
    );
    const alice = identity('alice');
    await request(
      legacy,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: { elicitation: {} },
          clientInfo: { name: 'old', version: '1' },
        },
      },
      alice,
    );
    const answer = await request(
      legacy,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'greet', arguments: {} } },
      alice,
      (asked) => {
        expect(asked.method).toBe('elicitation/create');
        expect(typeof asked.id).toBe('string');
        // Another caller sharing the channel cannot answer it: the answer is dropped.
        legacy.dispatch(
          {
            jsonrpc: '2.0',
            id: asked.id,
            result: { action: 'accept', content: { name: 'Mallory' } },
          } as JSONRPCMessage,
          { auth: identity('mallory'), sink: { send: () => {} } },
        );
        legacy.dispatch(
          {
            jsonrpc: '2.0',
            id: asked.id,
            result: { action: 'accept', content: { name: 'Ada' } },
          } as JSONRPCMessage,
          { auth: alice, sink: { send: () => {} } },
        );
      },
    );
    expect(answer.result).toEqual({ content: [{ type: 'text', text: 'Hello, Ada!' }] });
    await legacy.close();
  });

  it("sends a handler's own elicitation and sampling requests on the stream of its call", async () => {
    const legacy = await createServerChannel(
      portcullis.createServer({ auth: undefined, transport: 'in-memory' }),
    );
    const alice = identity('alice');
    const answers: Record<string, unknown> = {
      'elicitation/create': { action: 'accept', content: { name: 'Ada' } },
      'sampling/createMessage': {
        role: 'assistant',
        content: { type: 'text', text: 'Hello' },
        model: 'm',
        stopReason: 'endTurn',
      },
    };
    const reply = (asked: { id: number; method: string }) =>
      legacy.dispatch(
        { jsonrpc: '2.0', id: asked.id, result: answers[asked.method] } as JSONRPCMessage,
        { auth: alice, sink: { send: () => {} } },
      );
    // A request sent unrelated would reach only a standalone stream (absent until the client
    // opens one); it is answered here all the same, so the test fails instead of hanging.
    const unrelated: string[] = [];
    legacy.onUnrelated = (message) => {
      const record = message as { id?: number; method?: string };
      if (record.id === undefined || record.method === undefined) return;
      unrelated.push(record.method);
      reply(record as { id: number; method: string });
    };
    await request(
      legacy,
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: { elicitation: {}, sampling: {} },
          clientInfo: { name: 'old', version: '1' },
        },
      },
      alice,
    );
    const related: string[] = [];
    const answer = await request(
      legacy,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ask', arguments: {} } },
      alice,
      (asked) => {
        related.push(asked.method);
        reply(asked);
      },
    );
    expect(answer.result).toEqual({ content: [{ type: 'text', text: 'accept/m' }] });
    expect({ related, unrelated }).toEqual({
      related: ['elicitation/create', 'sampling/createMessage'],
      unrelated: [],
    });
    await legacy.close();
  });
});
