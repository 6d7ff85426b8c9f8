import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  type ClientOptions,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { UnauthorizedRefusal, unauthorizedOf } from '@portcullis/core/client';
import { WebSocketClientTransport } from '@portcullis/websocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli } from './cli-process.js';

describe("unauthorizedOf: the server's reason for a 401, from the official v2 client's errors", () => {
  let root: string;
  let server: CliProcess;
  let forged: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-server-unauthorized-'));
    server = await runCli(['--port', '0', '--root', root]);
    // The printed token with its signature changed: well-formed, refused as invalid.
    const [header, payload] = server.tokens.readOnly.split('.');
    forged = `${header}.${payload}.${Buffer.alloc(64, 7).toString('base64url')}`;
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(root, { recursive: true, force: true });
  });

  const cases: Array<[string, () => Transport, ClientOptions]> = [
    [
      'Streamable HTTP, negotiating',
      () =>
        new StreamableHTTPClientTransport(new URL(server.url), {
          requestInit: { headers: { authorization: `Bearer ${forged}` } },
        }),
      {},
    ],
    [
      'Streamable HTTP, pinned to 2026-07-28',
      () =>
        new StreamableHTTPClientTransport(new URL(server.url), {
          requestInit: { headers: { authorization: `Bearer ${forged}` } },
        }),
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    ],
    ['WebSocket', () => new WebSocketClientTransport(server.websocketUrl, { token: forged }), {}],
  ];

  it.each(cases)('%s: the refusal says why', async (_, transport, options) => {
    const client = new Client({ name: 'refused', version: '1.0.0' }, options);
    const error = await client.connect(transport()).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await client.close();
    expect(error).toBeInstanceOf(Error);
    const refusal = unauthorizedOf(error);
    expect(refusal, String(error)).toBeInstanceOf(UnauthorizedRefusal);
    expect(refusal!.message).toBe('token signature is invalid');
    expect(refusal!.description).toBe('token signature is invalid');
  });

  it('leaves other errors alone, and a scope refusal to insufficientScopeOf', () => {
    expect(unauthorizedOf(new Error('boom'))).toBeUndefined();
    expect(unauthorizedOf(undefined)).toBeUndefined();
    expect(
      unauthorizedOf({ code: -32001, message: 'insufficient_scope', data: {} }),
    ).toBeUndefined();
    expect(
      unauthorizedOf(
        new Error('wrapped', {
          cause: { code: -32001, message: 'Unauthorized', data: 'token has expired' },
        }),
      )?.message,
    ).toBe('token has expired');
  });
});
