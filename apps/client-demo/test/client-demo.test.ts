import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, type RunningFileServer, startFileServer } from '@portcullis/file-server';
import {
  type AuthorizationServer,
  type RegisteredClient,
  startAuthorizationServer,
} from '@portcullis/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToMcpServer } from '../src/mcp-connection.js';
import { ExitCode } from '../src/run-client.js';
import { TokenClient } from '../src/token-client.js';
import { type CasdoorStandIn, startCasdoorStandIn } from './casdoor-stand-in.js';
import { client } from './run-cli.js';

describe('the client against the file server (a real authorization server, discovered from a bare URL)', () => {
  let as: AuthorizationServer;
  let root: string;
  let server: RunningFileServer;
  let registered: RegisteredClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    as = await startAuthorizationServer();
    root = await mkdtemp(join(tmpdir(), 'client-demo-'));
    await writeFile(join(root, 'hello.txt'), 'hello from disk');
    server = await startFileServer(
      parseOptions(['--port', '0', '--root', root, '--issuer', as.issuer], {}),
      pino({ level: 'silent' }),
    );
    registered = await as.registerClient();
    env = { MCP_CLIENT_SECRET: registered.clientSecret! };
  });
  afterAll(async () => {
    await server.close();
    await as.close();
    await rm(root, { recursive: true, force: true });
  });

  const base = () => ['--server', server.url, '--client-id', registered.clientId];

  it('discovers the token endpoint from the 401, gets a token with resource and scopes, and lists the tools', async () => {
    const run = await client(['tools', ...base(), '--scope', 'files:read files:list'], env);
    expect(run.code).toBe(ExitCode.Done);
    expect(run.out.split('\n').map((line) => line.split(' ')[0])).toEqual([
      'read_file',
      'list_files',
    ]);
    expect(run.err).toContain(`discovered authorization server ${as.issuer}`);
    expect(run.err).toContain('client: protocol 2026-07-28, negotiated with server/discover');
    expect(run.out + run.err).not.toContain(registered.clientSecret!);
  });

  it('calls an allowed tool with JSON arguments, in human and JSON form', async () => {
    const human = await client(
      ['call', 'read_file', '--args', '{"path":"hello.txt"}', ...base(), '--scope', 'files:read'],
      env,
    );
    expect([human.code, human.out]).toEqual([ExitCode.Done, 'hello from disk']);
    const json = await client(
      [
        'call',
        'read_file',
        '--args',
        '{"path":"hello.txt"}',
        ...base(),
        '--scope',
        'files:read',
        '--json',
      ],
      env,
    );
    expect(JSON.parse(json.out).structuredContent).toMatchObject({
      path: 'hello.txt',
      content: 'hello from disk',
    });
  });

  it('explains a refusal in plain words and exits 3, without --step-up', async () => {
    const run = await client(
      [
        'call',
        'write_file',
        '--args',
        '{"path":"new.txt","content":"x"}',
        ...base(),
        '--scope',
        'files:read files:list',
      ],
      env,
    );
    expect(run.code).toBe(ExitCode.ScopeDenied);
    expect(run.err).toContain('Refused: the tool write_file needs more scope than the token has.');
    expect(run.err).toContain('required: files:write');
    expect(run.err).toContain('granted:  files:read, files:list');
    await expect(readFile(join(root, 'new.txt'))).rejects.toThrow();
  });

  it('steps up once with --step-up: a token with the missing scope, and the call succeeds', async () => {
    const run = await client(
      [
        'call',
        'write_file',
        '--args',
        '{"path":"new.txt","content":"stepped up"}',
        ...base(),
        '--scope',
        'files:read',
        '--step-up',
      ],
      env,
    );
    expect(run.code).toBe(ExitCode.Done);
    expect(run.err).toContain('stepping up: asking for files:read files:write');
    expect(await readFile(join(root, 'new.txt'), 'utf8')).toBe('stepped up');
  });

  it("shows whoami's claims, clearly marked as not verified", async () => {
    const run = await client(['whoami', ...base(), '--scope', 'files:list'], env);
    expect(run.out).toContain('the signature is NOT verified');
    expect(run.out).toContain(`client:   ${registered.clientId}`);
    expect(run.out).toContain(`audience: ${server.url}`);
  });

  it('reaches the WebSocket endpoint, taking the resource from the discovered metadata', async () => {
    const run = await client(
      [
        'tools',
        '--server',
        server.websocketUrl,
        '--client-id',
        registered.clientId,
        '--scope',
        'files:list',
      ],
      env,
    );
    expect(run.code).toBe(ExitCode.Done);
    expect(run.out.split(' ')[0]).toBe('list_files');
  });

  it('fails with exit 2 on bad usage and exit 4 on refused credentials', async () => {
    expect((await client(['call'], env)).code).toBe(ExitCode.Usage);
    const wrong = await client(['tools', ...base()], { MCP_CLIENT_SECRET: 'wrong' });
    expect(wrong.code).toBe(ExitCode.Unauthorized);
    expect(wrong.err).toMatch(
      /Could not get a token: the token endpoint refused \(HTTP 401, invalid_client\)/,
    );
  });
});

describe('the client against the file server trusting a Casdoor-profile authorization server', () => {
  it('gets a Casdoor-shaped token with credentials in the body and uses the shorthand scope read', async () => {
    const casdoor = await startAuthorizationServer({ profile: 'casdoor' });
    const root = await mkdtemp(join(tmpdir(), 'client-demo-casdoor-'));
    const registered = await casdoor.registerClient();
    const server = await startFileServer(
      parseOptions(
        [
          '--port',
          '0',
          '--root',
          root,
          '--casdoor',
          casdoor.issuer,
          '--audience',
          registered.clientId,
        ],
        {},
      ),
      pino({ level: 'silent' }),
    );
    try {
      const run = await client(
        [
          'tools',
          '--server',
          server.url,
          '--token-url',
          casdoor.tokenEndpoint,
          '--client-id',
          registered.clientId,
          '--scope',
          'read',
        ],
        {
          MCP_CLIENT_SECRET: registered.clientSecret!,
        },
      );
      expect(run.code).toBe(ExitCode.Done);
      expect(run.out.split(' ')[0]).toBe('read_file');
    } finally {
      await server.close();
      await casdoor.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("the client against a stand-in for Casdoor's /api/mcp", () => {
  let casdoor: CasdoorStandIn;
  let registered: RegisteredClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    casdoor = await startCasdoorStandIn();
    registered = await casdoor.authorizationServer.registerClient();
    env = { MCP_CLIENT_SECRET: registered.clientSecret! };
  });
  afterAll(() => casdoor.close());

  const base = () => ['--casdoor', casdoor.origin, '--client-id', registered.clientId];

  it("lists the tools its scopes allow, negotiating Casdoor's 2024-11-05", async () => {
    const run = await client(['tools', ...base(), '--scope', 'application:read'], env);
    expect(run.code).toBe(ExitCode.Done);
    expect(run.out.split('\n').map((line) => line.split(' ')[0])).toEqual([
      'get_applications',
      'get_application',
    ]);
  });

  it('treats {"tools": null} as no tools', async () => {
    const run = await client(['tools', ...base(), '--scope', 'openid'], env);
    expect([run.code, run.out]).toEqual([ExitCode.Done, 'No tools are available with this token.']);
  });

  it('reads the 200 + -32001 insufficient_scope answer, and steps up when asked', async () => {
    const refused = await client(
      [
        'call',
        'add_application',
        '--args',
        '{"application":{"name":"automated-app"}}',
        ...base(),
        '--scope',
        'application:read',
      ],
      env,
    );
    expect(refused.code).toBe(ExitCode.ScopeDenied);
    expect(refused.err).toContain('required: application:write');
    expect(refused.err).toContain('granted:  application:read');
    const stepped = await client(
      [
        'call',
        'add_application',
        '--args',
        '{}',
        ...base(),
        '--scope',
        'application:read',
        '--step-up',
      ],
      env,
    );
    expect(stepped.code).toBe(ExitCode.Done);
    expect(JSON.parse(stepped.out)).toEqual({ status: 'ok', tool: 'add_application' });
  });

  it('never sends back the session cookie Casdoor sets (it would bypass scope checks)', () => {
    expect(casdoor.cookiesSet).toBeGreaterThan(3);
    expect(casdoor.cookiesReceived).toEqual([]);
  });

  it('renews an expired token: before expiry when it can, and once on 401 when the server disagrees', async () => {
    const shortLived = await startCasdoorStandIn({ accessTokenTtlSeconds: 4 });
    try {
      const client = await shortLived.authorizationServer.registerClient();
      const make = (renewBeforeSeconds: number) => {
        const tokens = new TokenClient({
          clientId: client.clientId,
          clientSecret: client.clientSecret!,
          scopes: ['application:read'],
          renewBeforeSeconds,
        });
        tokens.endpoint = `${shortLived.origin}/api/login/oauth/access_token`;
        return tokens;
      };
      const ahead = make(0);
      const connection = await connectToMcpServer({
        server: `${shortLived.origin}/api/mcp`,
        tokens: ahead,
        stepUp: false,
      });
      await connection.callTool('get_users', {}).catch(() => undefined);
      await connection.callTool('get_applications', {});
      await new Promise((resolve) => setTimeout(resolve, 4500));
      await ahead.token();
      expect((await connection.callTool('get_applications', {})).content).toHaveLength(1);
      expect(ahead.requestCount).toBe(2);
      await connection.close();

      const notices: string[] = [];
      const stubborn = make(-3600);
      const second = await connectToMcpServer({
        server: `${shortLived.origin}/api/mcp`,
        tokens: stubborn,
        stepUp: false,
        onNotice: (message) => notices.push(message),
      });
      await new Promise((resolve) => setTimeout(resolve, 4500));
      expect((await second.callTool('get_applications', {})).content).toHaveLength(1);
      expect(notices).toContain('the server refused the token; getting a fresh one');
      expect(stubborn.requestCount).toBe(2);
      await second.close();
    } finally {
      await shortLived.close();
    }
  });
});

describe('protocol era negotiation', () => {
  it('speaks 2026-07-28 with a Portcullis server (HTTP and WebSocket) and falls back to 2024-11-05 with Casdoor', async () => {
    const as = await startAuthorizationServer();
    const root = await mkdtemp(join(tmpdir(), 'client-demo-era-'));
    const server = await startFileServer(
      parseOptions(['--port', '0', '--root', root, '--issuer', as.issuer], {}),
      pino({ level: 'silent' }),
    );
    const casdoor = await startCasdoorStandIn();
    try {
      const registered = await as.registerClient();
      const modern = await connectToMcpServer({
        server: server.url,
        tokens: new TokenClient({
          clientId: registered.clientId,
          clientSecret: registered.clientSecret!,
          scopes: ['files:list'],
        }),
        stepUp: false,
      });
      expect([modern.era, modern.protocolVersion]).toEqual(['modern', '2026-07-28']);
      expect((await modern.listTools()).map((tool) => tool.name)).toEqual(['list_files']);
      await modern.close();

      const notices: string[] = [];
      const overWebSocket = await connectToMcpServer({
        server: server.websocketUrl,
        tokens: new TokenClient({
          clientId: registered.clientId,
          clientSecret: registered.clientSecret!,
          scopes: ['files:list'],
        }),
        stepUp: true,
        onNotice: (message) => notices.push(message),
      });
      expect([overWebSocket.era, overWebSocket.protocolVersion]).toEqual(['modern', '2026-07-28']);
      const written = await overWebSocket.callTool('write_file', { path: 'ws.txt', content: 'ws' });
      expect(written.isError).toBeUndefined();
      expect(notices).toContain('stepping up: asking for files:list files:write');
      await overWebSocket.close();
      expect(await readFile(join(root, 'ws.txt'), 'utf8')).toBe('ws');

      const casdoorClient = await casdoor.authorizationServer.registerClient();
      const cli = await client(
        [
          'tools',
          '--casdoor',
          casdoor.origin,
          '--client-id',
          casdoorClient.clientId,
          '--scope',
          'application:read',
        ],
        { MCP_CLIENT_SECRET: casdoorClient.clientSecret! },
      );
      expect(cli.code).toBe(ExitCode.Done);
      expect(cli.err).toContain(
        'client: protocol 2024-11-05, negotiated with initialize (the server offers no 2026-07-28)',
      );
      const tokens = new TokenClient({
        clientId: casdoorClient.clientId,
        clientSecret: casdoorClient.clientSecret!,
        scopes: ['application:read'],
      });
      tokens.endpoint = `${casdoor.origin}/api/login/oauth/access_token`;
      const legacy = await connectToMcpServer({
        server: `${casdoor.origin}/api/mcp`,
        tokens,
        stepUp: false,
      });
      expect([legacy.era, legacy.protocolVersion]).toEqual(['legacy', '2024-11-05']);
      await legacy.close();
    } finally {
      await casdoor.close();
      await server.close();
      await as.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
