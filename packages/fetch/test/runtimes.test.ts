import {
  Client,
  ClientCredentialsProvider,
  type ClientCredentialsProviderOptions,
  DpopSession,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import {
  type AuthorizationServer,
  DEFAULT_SCOPES,
  startAuthorizationServer,
} from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_PROGRAMS, type RunningProgram, startProgram } from './runtimes.js';
import { startWorker } from './worker.js';

const MODERN = '2026-07-28';

/** The official v2 client's client-credentials provider, with its DPoP support turned on. */
class DpopClientCredentials extends ClientCredentialsProvider {
  constructor(
    options: ClientCredentialsProviderOptions,
    private readonly session: DpopSession,
  ) {
    super(options);
  }
  dpop() {
    return this.session;
  }
}

const text = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0]!.text;

const eras = [
  { era: '2025', options: {} },
  { era: MODERN, options: { versionNegotiation: { mode: { pin: MODERN } } } },
] as const;

const starters = [
  ...RUNTIME_PROGRAMS.map((program) => ({
    name: program.name,
    start: (issuer: string) => startProgram(program, { ISSUER: issuer }),
  })),
  { name: 'workerd', start: (issuer: string) => startWorker(issuer) },
];

describe.each(starters)('the fetch adapter on $name', ({ start }) => {
  let as: AuthorizationServer;
  let server: RunningProgram;
  let reader: string;

  beforeAll(async () => {
    as = await startAuthorizationServer({
      scopes: [...DEFAULT_SCOPES, 'notes:read', 'notes:write'],
    });
    server = await start(as.issuer);
    reader = await as.mintToken({ audience: server.url, scopes: ['notes:read'] });
    // A runtime's first start (workerd compiles the bundle) takes seconds on a busy machine.
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await as?.close();
  });

  const connect = async (era: (typeof eras)[number], init: object) => {
    const client = new Client({ name: 'runtime-test', version: '1.0.0' }, era.options);
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), init));
    return client;
  };

  it('answers 401 with resource_metadata, and serves that document', async () => {
    const refused = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(refused.status).toBe(401);
    const metadataUrl = new URL('/.well-known/oauth-protected-resource/mcp', server.url).href;
    expect(refused.headers.get('www-authenticate')).toContain(`resource_metadata="${metadataUrl}"`);
    const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: server.url, authorization_servers: [as.issuer] });
  });

  it.each(eras)('lists only permitted tools and steps up with 403 (era $era)', async (era) => {
    const client = await connect(era, {
      requestInit: { headers: { authorization: `Bearer ${reader}` } },
    });
    try {
      expect(client.getNegotiatedProtocolVersion() === MODERN).toBe(era.era === MODERN);
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['read_note']);
      expect(text(await client.callTool({ name: 'read_note', arguments: { id: 'welcome' } }))).toBe(
        'hello from Portcullis',
      );
      await expect(
        client.callTool({ name: 'write_note', arguments: { id: 'x', text: 'y' } }),
      ).rejects.toThrow(/Insufficient scope: required "notes:read notes:write"/);
    } finally {
      await client.close();
    }
  });

  it.each(eras)('serves a DPoP-bound token with a proof per request (era $era)', async (era) => {
    const registered = await as.registerClient();
    const provider = new DpopClientCredentials(
      {
        clientId: registered.clientId,
        clientSecret: registered.clientSecret!,
        scope: 'notes:read notes:write',
        expectedIssuer: as.issuer,
      },
      await DpopSession.create(),
    );
    const client = await connect(era, { authProvider: provider });
    try {
      expect(provider.tokens()?.token_type).toBe('DPoP');
      const id = `dpop-${era.era}`;
      expect(
        text(await client.callTool({ name: 'write_note', arguments: { id, text: 'bound' } })),
      ).toBe(`saved ${id}`);
      expect(text(await client.callTool({ name: 'read_note', arguments: { id } }))).toBe('bound');
    } finally {
      await client.close();
    }
  });
});
