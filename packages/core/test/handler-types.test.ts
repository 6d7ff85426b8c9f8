import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { InsufficientScopeError, insufficientScopeOf, isInsufficientScope } from '../src/client.js';
import {
  type AuthInfo,
  createPortcullis,
  createRegistry,
  definePrompt,
  defineResource,
  defineTool,
  type Registry,
} from '../src/index.js';

const alice: AuthInfo = {
  token: 'secret',
  clientId: 'client-1',
  scopes: ['notes:read'],
  expiresAt: Math.floor(Date.now() / 1000) + 600,
  issuer: 'https://issuer.example',
  subject: 'alice',
  claims: {},
};

// `requireAuth: true` types `auth` as AuthInfo; the default keeps `AuthInfo | undefined`.
const whoami = defineTool({
  name: 'whoami',
  description: 'Says who the caller is.',
  scopes: ['notes:read'],
  requireAuth: true,
  handler: (_args, { auth }) => {
    expectTypeOf(auth).toEqualTypeOf<AuthInfo>();
    return { content: [{ type: 'text', text: auth.subject }] };
  },
});

// The SDK's raw shape: `{ n: z.number() }` rather than `z.object({ n: z.number() })`.
const double = defineTool({
  name: 'double',
  description: 'Doubles a number.',
  scopes: ['notes:read'],
  input: { n: z.number() },
  handler: ({ n }, { auth }) => {
    expectTypeOf(n).toEqualTypeOf<number>();
    expectTypeOf(auth).toEqualTypeOf<AuthInfo | undefined>();
    return { content: [{ type: 'text', text: String(n * 2) }] };
  },
});

const note = defineResource({
  uri: 'notes://today',
  name: 'today',
  scopes: ['notes:read'],
  requireAuth: true,
  read: (uri, { auth }) => ({ contents: [{ uri: uri.href, text: `for ${auth.subject}` }] }),
});

const greet = definePrompt({
  name: 'greet',
  scopes: ['notes:read'],
  requireAuth: true,
  get: (_args, { auth }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Hello ${auth.subject}` } }],
  }),
});

async function connect(registry: Registry, auth: AuthInfo) {
  const portcullis = createPortcullis({
    resource: 'https://mcp.example.test/mcp',
    server: { name: 'typed', version: '1.0.0' },
    registry,
    verifier: { verify: () => Promise.reject(new Error('not used')) },
    authorizationServers: ['https://issuer.example'],
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await portcullis.createServer({ auth, transport: 'in-memory' }).connect(serverTransport);
  const client = new Client({ name: 'typed-client', version: '1.0.0' });
  await client.connect(clientTransport);
  return client;
}

describe('handler types', () => {
  it('runs requireAuth handlers with the caller and raw-shape tools with validated arguments', async () => {
    const registry = createRegistry({
      tools: [whoami, double],
      resources: [note],
      prompts: [greet],
    });
    expect(registry.tools.get('double')!.listing.inputSchema).toMatchObject({
      type: 'object',
      properties: { n: { type: 'number' } },
      required: ['n'],
    });
    const client = await connect(registry, alice);
    try {
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.content).toEqual([{ type: 'text', text: 'alice' }]);
      const doubled = await client.callTool({ name: 'double', arguments: { n: 21 } });
      expect(doubled.content).toEqual([{ type: 'text', text: '42' }]);
      const invalid = await client.callTool({ name: 'double', arguments: { n: 'x' } });
      expect(invalid.isError).toBe(true);
      const read = await client.readResource({ uri: 'notes://today' });
      expect(read.contents[0]).toMatchObject({ text: 'for alice' });
    } finally {
      await client.close();
    }
  });

  it('refuses to start a server with authorization off and a requireAuth definition', () => {
    expect(() =>
      createPortcullis({
        resource: 'https://mcp.example.test/mcp',
        server: { name: 'open', version: '1.0.0' },
        registry: createRegistry({ tools: [whoami] }),
        verifier: false,
      }),
    ).toThrow(/"whoami" is declared with requireAuth: true, but authorization is off/);
  });
});

describe('insufficientScopeOf', () => {
  it('reads the in-band -32001 refusal from an SDK client', async () => {
    const client = await connect(createRegistry({ tools: [whoami] }), { ...alice, scopes: [] });
    try {
      const error = await client
        .callTool({ name: 'whoami', arguments: {} })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(McpError);
      expect(isInsufficientScope(error)).toBe(true);
      const refusal = insufficientScopeOf(error)!;
      expect(refusal).toBeInstanceOf(InsufficientScopeError);
      expect(refusal).toMatchObject({
        kind: 'tool',
        target: 'whoami',
        requiredScopes: ['notes:read'],
        grantedScopes: [],
        scopes: ['notes:read'],
        scope: 'notes:read',
      });
      expect(refusal.cause).toBe(error);
    } finally {
      await client.close();
    }
  });

  it("reads the v1 client's StreamableHTTPError carrying a 403 body", () => {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32001,
        message: 'insufficient_scope',
        data: {
          tool: 'write_file',
          required_scope: 'files:write',
          required_scopes: ['files:write'],
          granted_scopes: ['files:read'],
        },
      },
    });
    const refusal = insufficientScopeOf(
      new StreamableHTTPError(403, `Error POSTing to endpoint: ${body}`),
    );
    expect(refusal).toMatchObject({
      target: 'write_file',
      requiredScopes: ['files:write'],
      scopes: ['files:read', 'files:write'],
      scope: 'files:read files:write',
    });
    // The old name stays, deprecated, as the same array.
    expect(refusal!.scopeToRequest).toBe(refusal!.scopes);
  });

  it('leaves other errors alone', () => {
    expect(insufficientScopeOf(new Error('boom'))).toBeUndefined();
    expect(insufficientScopeOf({ code: -32001, message: 'Unauthorized' })).toBeUndefined();
    expect(insufficientScopeOf(new StreamableHTTPError(401, 'Unauthorized'))).toBeUndefined();
    expect(isInsufficientScope(undefined)).toBe(false);
  });
});
