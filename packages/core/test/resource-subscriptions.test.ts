import { describe, expect, it } from 'vitest';
import { createServerChannel, type ServerChannel } from '../src/adapter.js';
import {
  type AuditEvent,
  type AuthInfo,
  createPortcullis,
  createRegistry,
  defineResource,
  defineResourceTemplate,
  type JSONRPCMessage,
  type SubscriptionLimitOptions,
} from '../src/index.js';

const identity = (subject: string, scopes = ['notes:read'], lifetimeSeconds = 600): AuthInfo => ({
  token: `t-${subject}`,
  clientId: 'c',
  scopes,
  expiresAt: Math.floor(Date.now() / 1000) + lifetimeSeconds,
  issuer: 'https://issuer.example',
  subject,
  claims: {},
});

const envelope = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

type Message = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
};

/** Starts `message` on `channel`: the messages it relates, and its response when it comes. */
function start(channel: ServerChannel, message: object, auth: AuthInfo) {
  const related: Message[] = [];
  let wake = () => {};
  const sink = {
    send(outgoing: JSONRPCMessage) {
      related.push(outgoing as Message);
      wake();
    },
  };
  /** Resolves with the first related message that `accept`s, waiting for it if need be. */
  const next = (accept: (message: Message) => boolean) =>
    new Promise<Message>((resolve) => {
      const look = () => {
        const found = related.find(accept);
        if (found) resolve(found);
        else wake = look;
      };
      look();
    });
  channel.dispatch(message as JSONRPCMessage, { auth, sink });
  return {
    related,
    sink,
    response: () => next((m) => m.method === undefined),
    notification: (method: string) => next((m) => m.method === method),
  };
}

const ask = (channel: ServerChannel, message: object, auth: AuthInfo) =>
  start(channel, message, auth).response();

function create(limits?: SubscriptionLimitOptions) {
  const audit: AuditEvent[] = [];
  const portcullis = createPortcullis({
    resource: 'https://mcp.example.test/mcp',
    server: { name: 's', version: '1' },
    registry: createRegistry({
      resources: [
        defineResource({
          uri: 'notes://secret',
          name: 'secret',
          scopes: ['notes:admin'],
          read: (uri) => ({ contents: [{ uri: uri.href, text: 'secret' }] }),
        }),
      ],
      resourceTemplates: [
        defineResourceTemplate({
          uriTemplate: 'notes://open/{+name}',
          name: 'open',
          scopes: ['notes:read'],
          read: (uri) => ({ contents: [{ uri: uri.href, text: 'open' }] }),
        }),
      ],
    }),
    verifier: { verify: async () => Promise.reject(new Error('not used')) },
    authorizationServers: ['https://issuer.example'],
    audit: (event) => audit.push(event),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    ...(limits && { subscriptionLimits: limits }),
  });
  return { portcullis, audit };
}

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

/** A 2025-era session of `auth` (its own server), initialized. */
async function session(portcullis: ReturnType<typeof create>['portcullis'], auth: AuthInfo) {
  const channel = await createServerChannel(
    portcullis.createServer({ auth, transport: 'in-memory' }),
    { sessionId: `s-${auth.subject}` },
  );
  const updates: string[] = [];
  channel.onUnrelated = (message) => {
    const { method, params } = message as Message;
    if (method === 'notifications/resources/updated') updates.push(params?.uri as string);
  };
  const initialized = await ask(channel, INITIALIZE, auth);
  return { channel, updates, capabilities: initialized.result?.capabilities };
}

const subscribe = (id: number, uri: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'resources/subscribe',
  params: { uri },
});

const listen = (id: number, uris: unknown[]) => ({
  jsonrpc: '2.0',
  id,
  method: 'subscriptions/listen',
  params: { _meta: envelope, notifications: { resourceSubscriptions: uris } },
});

describe('resources/subscribe (2025)', () => {
  it('is not offered by a shared server, which has no session to deliver to', async () => {
    const { portcullis } = create();
    const shared = await createServerChannel(
      portcullis.createServer({ auth: undefined, transport: 'in-memory', shared: true }),
    );
    const alice = identity('alice');
    const initialized = await ask(shared, INITIALIZE, alice);
    expect(initialized.result?.capabilities).toMatchObject({ resources: { subscribe: false } });
    const answer = await ask(shared, subscribe(1, 'notes://open/a'), alice);
    expect(answer.error?.code).toBe(-32601);
    await shared.close();
  });

  it('accepts only resources that exist and the caller may read, with clear errors', async () => {
    const { portcullis } = create();
    const alice = identity('alice');
    const { channel, capabilities } = await session(portcullis, alice);
    expect(capabilities).toMatchObject({ resources: { subscribe: true } });
    // The SDK writes a missing resource as -32602 with its URI, on every revision.
    expect((await ask(channel, subscribe(1, 'nothing://here'), alice)).error).toEqual({
      code: -32602,
      message: 'Resource nothing://here not found',
      data: { uri: 'nothing://here' },
    });
    expect((await ask(channel, subscribe(2, 'notes://secret'), alice)).error).toMatchObject({
      code: -32001,
      message: 'insufficient_scope',
    });
    const long = `notes://open/${'a'.repeat(1_000_000)}`;
    expect((await ask(channel, subscribe(3, long), alice)).error).toEqual({
      code: -32602,
      message: `the resource URI is ${long.length} characters long; at most 8192 are accepted`,
    });
    expect((await ask(channel, subscribe(4, 'notes://open/a'), alice)).result).toEqual({});
    await channel.close();
  });

  it('delivers updates for the canonical URI, and stops when the token that subscribed expires', async () => {
    const { portcullis } = create();
    const alice = identity('alice', ['notes:read'], 1);
    const { channel, updates } = await session(portcullis, alice);
    expect((await ask(channel, subscribe(1, 'notes://open/./a'), alice)).result).toEqual({});
    portcullis.notifyResourceUpdated('notes://open/b/../a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(updates).toEqual(['notes://open/a']);
    // Wait past the token's expiry (a condition on the clock, not a guess), then announce again.
    await new Promise((resolve) => setTimeout(resolve, alice.expiresAt * 1000 - Date.now() + 1));
    portcullis.notifyResourceUpdated('notes://open/a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(updates).toEqual(['notes://open/a']);
    await channel.close();
  });

  it('bounds subscriptions per identity over all its sessions, and frees them with the session', async () => {
    const { portcullis } = create({ subscriptionsPerIdentity: 2 });
    const alice = identity('alice');
    const one = await session(portcullis, alice);
    const two = await session(portcullis, alice);
    expect((await ask(one.channel, subscribe(1, 'notes://open/a'), alice)).result).toEqual({});
    expect((await ask(one.channel, subscribe(2, 'notes://open/a'), alice)).result).toEqual({});
    expect((await ask(two.channel, subscribe(3, 'notes://open/b'), alice)).result).toEqual({});
    expect((await ask(two.channel, subscribe(4, 'notes://open/c'), alice)).error).toEqual({
      code: -32000,
      message: 'too many resource subscriptions: at most 2 per identity; unsubscribe first',
    });
    const bob = identity('bob');
    const other = await session(portcullis, bob);
    expect((await ask(other.channel, subscribe(5, 'notes://open/c'), bob)).result).toEqual({});
    await one.channel.close();
    expect((await ask(two.channel, subscribe(6, 'notes://open/c'), alice)).result).toEqual({});
    await Promise.all([two.channel.close(), other.channel.close()]);
  });
});

describe('subscriptions/listen (2026-07-28)', () => {
  const modern = async (portcullis: ReturnType<typeof create>['portcullis']) =>
    createServerChannel(
      portcullis.createServer({ auth: undefined, transport: 'in-memory', shared: true }),
      { era: 'modern' },
    );

  it('refuses too many URIs, and audits one record with counts per request', async () => {
    const { portcullis, audit } = create({ urisPerListen: 3 });
    const channel = await modern(portcullis);
    const alice = identity('alice');
    const tooMany = await ask(channel, listen(1, ['a', 'b', 'c', 'd']), alice);
    expect(tooMany.error).toEqual({
      code: -32602,
      message: 'subscriptions/listen names 4 resource URIs; at most 3 are accepted per request',
    });
    const stream = start(
      channel,
      listen(2, ['notes://open/a', 'notes://secret', 'nothing://here']),
      alice,
    );
    const acknowledged = await stream.notification('notifications/subscriptions/acknowledged');
    expect(acknowledged.params?.notifications).toEqual({
      resourceSubscriptions: ['notes://open/a'],
    });
    expect(audit).toEqual([
      {
        type: 'listen_opened',
        issuer: 'https://issuer.example',
        subject: 'alice',
        clientId: 'c',
        requested: 3,
        acknowledged: 1,
        denied: 1,
        unknown: 1,
        transport: 'in-memory',
      },
    ]);
    await channel.close();
  });

  it('bounds open streams per identity; a stream that ends frees its place', async () => {
    const { portcullis } = create({ listenStreamsPerIdentity: 2 });
    const channel = await modern(portcullis);
    const alice = identity('alice');
    const first = start(channel, listen(1, []), alice);
    await first.notification('notifications/subscriptions/acknowledged');
    const second = start(channel, listen(2, []), alice);
    await second.notification('notifications/subscriptions/acknowledged');
    expect((await ask(channel, listen(3, []), alice)).error).toEqual({
      code: -32000,
      message:
        'too many open subscriptions/listen streams: at most 2 per identity; close one first',
    });
    const bob = start(channel, listen(4, []), identity('bob'));
    await bob.notification('notifications/subscriptions/acknowledged');
    channel.release(first.sink);
    const third = start(channel, listen(5, []), alice);
    await third.notification('notifications/subscriptions/acknowledged');
    await channel.close();
  });

  it('ends the stream with -32001 when the token expires', async () => {
    const { portcullis } = create();
    const channel = await modern(portcullis);
    const alice = identity('alice', ['notes:read'], 1);
    const stream = start(channel, listen(1, ['notes://open/a']), alice);
    await stream.notification('notifications/subscriptions/acknowledged');
    expect((await stream.response()).error).toEqual({
      code: -32001,
      message: 'Unauthorized',
      data: 'token has expired',
    });
    expect(Date.now()).toBeGreaterThanOrEqual(alice.expiresAt * 1000);
    await channel.close();
  });
});
