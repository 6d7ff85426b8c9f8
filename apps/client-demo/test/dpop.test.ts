import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
import { ExitCode } from '../src/run-client.js';
import { client } from './run-cli.js';

describe('the client demo with --dpop against the file server requiring DPoP', () => {
  let as: AuthorizationServer;
  let root: string;
  let server: RunningFileServer;
  let registered: RegisteredClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    as = await startAuthorizationServer();
    root = await mkdtemp(join(tmpdir(), 'client-demo-dpop-'));
    server = await startFileServer(
      parseOptions(
        ['--port', '0', '--root', root, '--issuer', as.issuer, '--dpop', 'required'],
        {},
      ),
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

  it('HTTP: discovers, gets a DPoP-bound token and writes with a proof per request', async () => {
    const run = await client(
      [
        'call',
        'write_file',
        '--args',
        '{"path":"http.txt","content":"bound"}',
        '--server',
        server.url,
        '--client-id',
        registered.clientId,
        '--scope',
        'files:write',
        '--dpop',
      ],
      env,
    );
    expect(run.code).toBe(ExitCode.Done);
    expect(run.err).toMatch(/DPoP: the token is bound to key [\w-]{43}/);
    expect(await readFile(join(root, 'http.txt'), 'utf8')).toBe('bound');
  });

  it('WebSocket: the upgrade and the in-band step-up carry proofs', async () => {
    const run = await client(
      [
        'call',
        'write_file',
        '--args',
        '{"path":"ws.txt","content":"stepped up"}',
        '--server',
        server.websocketUrl,
        '--resource',
        server.url,
        '--token-url',
        as.tokenEndpoint,
        '--client-id',
        registered.clientId,
        '--scope',
        'files:read',
        '--step-up',
      ],
      { ...env, MCP_DPOP: 'true' },
    );
    expect(run.code).toBe(ExitCode.Done);
    expect(run.err).toMatch(/stepping up/);
    expect(await readFile(join(root, 'ws.txt'), 'utf8')).toBe('stepped up');
  });

  it('without --dpop its Bearer token is refused (exit 4)', async () => {
    const run = await client(
      [
        'tools',
        '--server',
        server.url,
        '--client-id',
        registered.clientId,
        '--scope',
        'files:read',
      ],
      env,
    );
    expect(run.code).toBe(ExitCode.Unauthorized);
    expect(run.err).toMatch(/requires DPoP/);
  });
});

describe('the client demo with --dpop and a Casdoor-profile authorization server', () => {
  it('sends the proof to the Casdoor token path (credentials in the body) and uses the bound Casdoor-shaped token', async () => {
    const casdoor = await startAuthorizationServer({ profile: 'casdoor' });
    const root = await mkdtemp(join(tmpdir(), 'client-demo-dpop-casdoor-'));
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
          '--dpop',
          'required',
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
          '--dpop',
        ],
        { MCP_CLIENT_SECRET: registered.clientSecret! },
      );
      expect(run.code).toBe(ExitCode.Done);
      expect(run.err).toMatch(/DPoP: the token is bound/);
      expect(run.out.split(' ')[0]).toBe('read_file');
    } finally {
      await server.close();
      await casdoor.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
