import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, type RunningFileServer, startFileServer } from '@portcullis/file-server';
import { pino } from 'pino';
import type { ProbeOptions } from '../src/index.js';

/** The Portcullis file server with its embedded authorization server, and the probe's options for it. */
export interface FileServerTarget {
  server: RunningFileServer;
  /** Every token and client the probe can use against it. */
  probeOptions: Omit<ProbeOptions, 'url'>;
  close(): Promise<void>;
}

/** Starts the file server on port 0 (DPoP optional), with extra flags, e.g. `--resource`. */
export async function startFileServerTarget(extra: string[] = []): Promise<FileServerTarget> {
  const root = await mkdtemp(join(tmpdir(), 'probe-file-server-'));
  const server = await startFileServer(
    parseOptions(['--port', '0', '--root', root, '--dpop', 'optional', ...extra], {}),
    pino({ level: 'silent' }),
  );
  const development = server.development!;
  const as = development.server;
  const probeOptions: Omit<ProbeOptions, 'url'> = {
    websocket: server.websocketUrl,
    tokens: {
      token: development.tokens.readOnly,
      broadToken: development.tokens.readWrite,
      expiredToken: await as.mintToken({
        audience: server.url,
        scopes: ['files:read'],
        expiresIn: -60,
      }),
      foreignToken: await as.mintToken({
        audience: 'https://elsewhere.example/mcp',
        scopes: ['files:read'],
      }),
      idToken: await as.mintToken({
        audience: development.clientId,
        header: { typ: 'JWT' },
        claims: { nonce: 'n', auth_time: Math.floor(Date.now() / 1000) },
      }),
    },
    client: {
      clientId: development.clientId,
      clientSecret: development.clientSecret,
      scope: 'files:read files:list',
      broadScope: 'files:read files:write files:list',
    },
  };
  return {
    server,
    probeOptions,
    async close() {
      await server.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
