import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AuditEvent,
  type AuthInfo,
  casdoorScopeImplications,
  createPortcullis,
  createRegistry,
  createScopePolicy,
  definePrompt,
  defineResource,
  defineTool,
  type Registry,
} from '../src/index.js';

const calls: string[] = [];

function identity(scopes: string[], overrides: Partial<AuthInfo> = {}): AuthInfo {
  return {
    token: `secret-token-${scopes.join('-')}`,
    clientId: 'client-1',
    scopes,
    expiresAt: Math.floor(Date.now() / 1000) + 600,
    issuer: 'https://issuer.example',
    subject: 'alice',
    claims: {},
    ...overrides,
  };
}

const tools = [
  defineTool({
    name: 'read_file',
    description: 'Reads a file.',
    scopes: ['files:read'],
    input: z.object({ path: z.string().min(1).describe('Relative path') }),
    annotations: { readOnlyHint: true },
    handler: ({ path }, { auth }) => {
      calls.push(`read_file:${path}`);
      return { content: [{ type: 'text', text: `contents of ${path} for ${auth?.subject}` }] };
    },
  }),
  defineTool({
    name: 'write_file',
    description: 'Writes a file.',
    scopes: ['files:write'],
    input: z.object({ path: z.string(), content: z.string() }),
    handler: ({ path }) => {
      calls.push(`write_file:${path}`);
      return { content: [{ type: 'text', text: 'written' }] };
    },
  }),
  defineTool({
    name: 'sync',
    description: 'Needs two scopes.',
    scopes: ['files:read', 'files:write'],
    handler: async (_args, { reportProgress }) => {
      calls.push('sync');
      await reportProgress(1, 2, 'half');
      await reportProgress(2, 2, 'done');
      return { content: [{ type: 'text', text: 'synced' }] };
    },
  }),
  defineTool({
    name: 'whoami',
    description: 'Any authenticated caller.',
    scopes: [],
    handler: (_args, { auth, transport }) => ({
      content: [{ type: 'text', text: `${auth?.subject} via ${transport}` }],
    }),
  }),
  defineTool({
    name: 'explode',
    description: 'Throws.',
    scopes: [],
    handler: () => {
      throw new Error('disk on fire');
    },
  }),
];

const resources = [
  defineResource({
    uri: 'file:///notes.txt',
    name: 'notes',
    mimeType: 'text/plain',
    scopes: ['files:read'],
    read: (uri) => {
      calls.push(`read:${uri.href}`);
      return { contents: [{ uri: uri.href, text: 'notes' }] };
    },
  }),
];

const prompts = [
  definePrompt({
    name: 'summarize',
    description: 'Summarize a file.',
    scopes: ['files:read'],
    arguments: z.object({
      path: z.string().describe('File to summarize'),
      style: z.string().optional(),
    }),
    get: ({ path }) => {
      calls.push(`prompt:${path}`);
      return { messages: [{ role: 'user', content: { type: 'text', text: `Summarize ${path}` } }] };
    },
  }),
];

const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  calls.length = 0;
  await Promise.all(opened.splice(0).map((close) => close()));
});

/** Connects an SDK client whose every message carries `current.auth`, as a transport would. */
async function connect(options: {
  registry?: Registry;
  auth: AuthInfo | undefined;
  audit?: AuditEvent[];
  verifier?: false;
}) {
  const current = { auth: options.auth };
  const portcullis = createPortcullis({
    resource: 'https://mcp.example.test/mcp',
    server: { name: 'test-server', version: '1.0.0' },
    registry: options.registry ?? createRegistry({ tools, resources, prompts }),
    verifier: options.verifier ?? { verify: () => Promise.reject(new Error('not used')) },
    authorizationServers: ['https://issuer.example'],
    audit: (event) => options.audit?.push(event),
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const serverSide = portcullis.createServer({ auth: undefined, transport: 'in-memory' });
  await serverSide.connect(serverTransport);
  const send = clientTransport.send.bind(clientTransport);
  clientTransport.send = (message, sendOptions) =>
    send(message, { ...sendOptions, authInfo: current.auth });
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(clientTransport);
  opened.push(() => client.close());
  return { client, current };
}

async function mcpError(promise: Promise<unknown>): Promise<McpError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(McpError);
  return error as McpError;
}

describe('the scope-aware registry over the SDK client', () => {
  it('lists only what the caller may use, with compiled input schemas', async () => {
    const { client } = await connect({ auth: identity(['files:read']) });
    const { tools: listed } = await client.listTools();
    expect(listed.map((tool) => tool.name)).toEqual(['read_file', 'whoami', 'explode']);
    expect(listed[0]).toMatchObject({
      description: 'Reads a file.',
      annotations: { readOnlyHint: true },
      inputSchema: {
        type: 'object',
        properties: { path: { type: 'string', minLength: 1, description: 'Relative path' } },
        required: ['path'],
      },
    });
    expect((await client.listResources()).resources.map((resource) => resource.uri)).toEqual([
      'file:///notes.txt',
    ]);
    expect((await client.listPrompts()).prompts).toEqual([
      {
        name: 'summarize',
        description: 'Summarize a file.',
        arguments: [
          { name: 'path', description: 'File to summarize', required: true },
          { name: 'style', required: false },
        ],
      },
    ]);
  });

  it('hides everything scoped from a caller without scopes', async () => {
    const { client } = await connect({ auth: identity([]) });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
      'whoami',
      'explode',
    ]);
    expect((await client.listResources()).resources).toEqual([]);
    expect((await client.listPrompts()).prompts).toEqual([]);
  });

  it("refuses a call without the scope with Casdoor's error, and never runs the handler", async () => {
    const { client } = await connect({ auth: identity(['files:read']) });
    const error = await mcpError(
      client.callTool({ name: 'write_file', arguments: { path: 'a.txt', content: 'x' } }),
    );
    expect(error.code).toBe(-32001);
    expect(error.message).toBe('MCP error -32001: insufficient_scope');
    expect(error.data).toEqual({
      tool: 'write_file',
      required_scope: 'files:write',
      required_scopes: ['files:write'],
      granted_scopes: ['files:read'],
    });
    expect(calls).toEqual([]);
  });

  it('names the first missing scope and every required one for all-of requirements', async () => {
    const { client } = await connect({ auth: identity(['files:write']) });
    const error = await mcpError(client.callTool({ name: 'sync' }));
    expect(error.data).toEqual({
      tool: 'sync',
      required_scope: 'files:read',
      required_scopes: ['files:read', 'files:write'],
      granted_scopes: ['files:write'],
    });
    expect(calls).toEqual([]);
  });

  it('runs an allowed call with the caller identity and reports progress', async () => {
    const { client } = await connect({ auth: identity(['files:read', 'files:write']) });
    const result = await client.callTool({ name: 'read_file', arguments: { path: 'a.txt' } });
    expect(result.content).toEqual([{ type: 'text', text: 'contents of a.txt for alice' }]);
    const progress: Array<{ progress: number; message?: string }> = [];
    await client.callTool({ name: 'sync' }, undefined, {
      onprogress: (update) => progress.push(update),
    });
    expect(progress.map((update) => [update.progress, update.message])).toEqual([
      [1, 'half'],
      [2, 'done'],
    ]);
    expect(calls).toEqual(['read_file:a.txt', 'sync']);
    expect((await client.callTool({ name: 'whoami' })).content).toEqual([
      { type: 'text', text: 'alice via in-memory' },
    ]);
  });

  it('decides per request: new scopes on the same session take effect at once', async () => {
    const { client, current } = await connect({ auth: identity(['files:read']) });
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('write_file');
    current.auth = identity(['files:read', 'files:write']);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('write_file');
    await client.callTool({ name: 'write_file', arguments: { path: 'b.txt', content: 'x' } });
    current.auth = identity([]);
    await mcpError(
      client.callTool({ name: 'write_file', arguments: { path: 'c.txt', content: 'x' } }),
    );
    expect(calls).toEqual(['write_file:b.txt']);
  });

  it('refuses every request once the token has expired, and requests without identity', async () => {
    const { client, current } = await connect({ auth: identity(['files:read']) });
    current.auth = identity(['files:read'], { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const expired = await mcpError(
      client.callTool({ name: 'read_file', arguments: { path: 'a.txt' } }),
    );
    expect([expired.code, expired.data]).toEqual([-32001, 'token has expired']);
    await expect(client.listTools()).rejects.toThrow(/Unauthorized/);
    current.auth = undefined;
    const missing = await mcpError(client.listTools());
    expect([missing.code, missing.data]).toEqual([-32001, 'no verified access token']);
    expect(calls).toEqual([]);
  });

  it('answers invalid arguments with a tool error, without running the handler', async () => {
    const { client } = await connect({ auth: identity(['files:read']) });
    const result = await client.callTool({ name: 'read_file', arguments: { path: '' } });
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      {
        type: 'text',
        text: expect.stringMatching(/^Invalid arguments for tool read_file: path: /),
      },
    ]);
    expect(calls).toEqual([]);
  });

  it('turns a throwing handler into a tool error and an unknown tool into a protocol error', async () => {
    const { client } = await connect({ auth: identity([]) });
    expect(await client.callTool({ name: 'explode' })).toEqual({
      content: [{ type: 'text', text: 'disk on fire' }],
      isError: true,
    });
    const unknown = await mcpError(client.callTool({ name: 'nope' }));
    expect(unknown.code).toBe(-32602);
  });

  it('guards resources and prompts the same way', async () => {
    const { client, current } = await connect({ auth: identity([]) });
    const resource = await mcpError(client.readResource({ uri: 'file:///notes.txt' }));
    expect(resource.data).toEqual({
      resource: 'file:///notes.txt',
      required_scope: 'files:read',
      required_scopes: ['files:read'],
      granted_scopes: [],
    });
    const prompt = await mcpError(
      client.getPrompt({ name: 'summarize', arguments: { path: 'a' } }),
    );
    expect(prompt.data).toMatchObject({ prompt: 'summarize', required_scope: 'files:read' });
    expect(calls).toEqual([]);
    current.auth = identity(['files:read']);
    expect((await client.readResource({ uri: 'file:///notes.txt' })).contents).toEqual([
      { uri: 'file:///notes.txt', text: 'notes' },
    ]);
    expect(
      (await client.getPrompt({ name: 'summarize', arguments: { path: 'a' } })).messages,
    ).toHaveLength(1);
    expect(calls).toEqual(['read:file:///notes.txt', 'prompt:a']);
  });

  it("applies Casdoor's shorthand scopes through the policy", async () => {
    const registry = createRegistry({
      tools,
      resources,
      prompts,
      scopePolicy: createScopePolicy({ implications: casdoorScopeImplications }),
    });
    const { client } = await connect({ registry, auth: identity(['read']) });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
      'read_file',
      'whoami',
      'explode',
    ]);
    await client.callTool({ name: 'read_file', arguments: { path: 'x' } });
    await mcpError(client.callTool({ name: 'write_file', arguments: { path: 'x', content: '' } }));
  });

  it('audits every decision with identity and timing, never the token or the arguments', async () => {
    const events: AuditEvent[] = [];
    const auth = identity(['files:read']);
    const { client } = await connect({ auth, audit: events });
    await client.callTool({ name: 'read_file', arguments: { path: 'secret-plans.txt' } });
    await mcpError(client.callTool({ name: 'write_file', arguments: { path: 'x', content: 'y' } }));
    expect(events).toEqual([
      {
        type: 'access_allowed',
        kind: 'tool',
        target: 'read_file',
        issuer: 'https://issuer.example',
        subject: 'alice',
        clientId: 'client-1',
        transport: 'in-memory',
        missingScopes: [],
        durationMs: expect.any(Number),
        failed: false,
      },
      {
        type: 'access_denied',
        kind: 'tool',
        target: 'write_file',
        issuer: 'https://issuer.example',
        subject: 'alice',
        clientId: 'client-1',
        transport: 'in-memory',
        missingScopes: ['files:write'],
      },
    ]);
    const serialized = JSON.stringify(events);
    expect(serialized).not.toContain(auth.token);
    expect(serialized).not.toContain('secret-plans');
  });

  it('shows everything when authorization is explicitly off', async () => {
    const { client } = await connect({ auth: undefined, verifier: false });
    expect((await client.listTools()).tools).toHaveLength(5);
    await client.callTool({ name: 'write_file', arguments: { path: 'free.txt', content: '' } });
    expect(calls).toEqual(['write_file:free.txt']);
  });

  it('refuses duplicate registrations', () => {
    expect(() => createRegistry({ tools: [tools[0]!, tools[0]!] })).toThrow(
      'tool "read_file" is registered twice',
    );
  });
});

describe('raw JSON Schema tools', () => {
  it('validates arguments with JSON Schema 2020-12 rules, as documented', () => {
    const registry = createRegistry({
      tools: [
        defineTool({
          name: 'strict',
          description: 'Takes a pair and nothing else.',
          scopes: [],
          inputSchema: {
            type: 'object',
            properties: {
              pair: {
                type: 'array',
                prefixItems: [{ type: 'string' }, { type: 'number' }],
                items: false,
              },
            },
            unevaluatedProperties: false,
          },
          handler: () => ({ content: [] }),
        }),
      ],
    });
    const check = registry.tools.get('strict')!.check;
    expect(check({ pair: ['a', 1] }).valid).toBe(true);
    expect(check({ pair: ['a', 1, 2] }).valid).toBe(false);
    expect(check({ pair: ['a', 1], extra: 1 }).valid).toBe(false);
  });
});
