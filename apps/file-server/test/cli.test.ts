import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliToExit } from './cli-process.js';

describe('the command line', () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'file-server-cli-'));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('--help lists every flag with its environment variable', async () => {
    const { code, stdout, stderr } = await runCliToExit(['--help']);
    expect(code).toBe(0);
    // oidc-provider is loaded only when the development server starts: no runtime warning here.
    expect(stderr).not.toContain('oidc-provider');
    for (const flag of [
      '--root',
      '--host',
      '--port',
      '--issuer',
      '--jwks-uri',
      '--casdoor',
      '--audience',
      '--resource',
      '--stdio',
      '--tls-cert',
      '--tls-key',
      '--allow-insecure-http',
      '--rate-limit',
    ]) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('env FILE_SERVER_ROOT');
  });

  const oneLineFailure = async (
    args: string[],
    reason: RegExp,
    env: Record<string, string> = {},
  ) => {
    const { code, stderr } = await runCliToExit(args, env);
    expect(code).toBe(1);
    expect(stderr).not.toContain('oidc-provider WARNING');
    const lines = stderr.split('\n').filter((line) => line.startsWith('file-server:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
  };

  it('says in one line, and exits non-zero, when the port is busy', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await oneLineFailure(
        ['--port', String(port), '--root', join(base, 'a')],
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`),
      );
    } finally {
      blocker.close();
    }
  });

  it('says so when the root is not a usable folder, or the issuer is unreachable', async () => {
    const file = join(base, 'not-a-folder');
    await writeFile(file, 'x');
    await oneLineFailure(['--port', '0', '--root', file], /is not a folder/);
    await oneLineFailure(
      ['--port', '0', '--root', join(base, 'b'), '--issuer', 'http://127.0.0.1:9'],
      /the issuer http:\/\/127\.0\.0\.1:9 is unreachable/,
    );
  });

  it('refuses plain HTTP off loopback, stdio without an issuer, and unknown flags', async () => {
    await oneLineFailure(
      ['--port', '0', '--root', join(base, 'c'), '--host', '0.0.0.0'],
      /refusing plain HTTP on 0\.0\.0\.0/,
    );
    await oneLineFailure(
      ['--stdio', '--root', join(base, 'c')],
      /--stdio needs --issuer or --casdoor/,
    );
    await oneLineFailure(['--prot', '8080'], /Unknown option '--prot'.*see --help/);
  });

  it('trusts an external issuer with --issuer, printing no tokens of its own', async () => {
    const as = await startAuthorizationServer();
    const server = await runCli(['--port', '0', '--root', join(base, 'd'), '--issuer', as.issuer]);
    try {
      expect(server.output.stdout).toContain('Get tokens from your authorization server');
      const client = await as.registerClient();
      const { access_token } = await as.clientCredentialsToken({
        clientId: client.clientId,
        clientSecret: client.clientSecret!,
        scope: 'files:list',
        resource: server.url,
      });
      const mcp = new Client({ name: 'external', version: '1.0.0' });
      await mcp.connect(
        new StreamableHTTPClientTransport(new URL(server.url), {
          requestInit: { headers: { authorization: `Bearer ${access_token}` } },
        }),
      );
      expect((await mcp.listTools()).tools.map((tool) => tool.name)).toEqual(['list_files']);
      await mcp.close();
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await as.close();
    }
  });

  it('runs against Casdoor with --casdoor: its JWKS path, client-id audiences and shorthand scopes', async () => {
    const casdoor = await startAuthorizationServer({ profile: 'casdoor' });
    const client = await casdoor.registerClient();
    const server = await runCli([
      '--port',
      '0',
      '--root',
      join(base, 'e'),
      '--casdoor',
      casdoor.issuer,
      '--audience',
      client.clientId,
    ]);
    try {
      const { access_token } = await casdoor.clientCredentialsToken({
        clientId: client.clientId,
        clientSecret: client.clientSecret!,
        scope: 'read',
      });
      const mcp = new Client({ name: 'casdoor', version: '1.0.0' });
      await mcp.connect(
        new StreamableHTTPClientTransport(new URL(server.url), {
          requestInit: { headers: { authorization: `Bearer ${access_token}` } },
        }),
      );
      expect((await mcp.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['read_file']);
      await mcp.close();
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await casdoor.close();
    }
  });

  it('serves HTTPS and WSS with --tls-cert and --tls-key, also off loopback', async () => {
    const key = join(base, 'key.pem');
    const cert = join(base, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const server = await runCli(
      [
        '--port',
        '0',
        '--root',
        join(base, 'f'),
        '--host',
        '0.0.0.0',
        '--tls-cert',
        cert,
        '--tls-key',
        key,
      ],
      { NODE_EXTRA_CA_CERTS: cert },
    );
    try {
      expect(server.url).toMatch(/^https:\/\/localhost:\d+\/mcp$/);
      expect(server.websocketUrl).toMatch(/^wss:\/\//);
      const metadata = execFileSync(
        process.execPath,
        [
          '-e',
          `fetch(${JSON.stringify(new URL('/healthz', server.url).href)}).then(r => r.text()).then(console.log)`,
        ],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: cert }, encoding: 'utf8' },
      );
      expect(JSON.parse(metadata)).toEqual({ status: 'ok' });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
