import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  ClientCredentialsProvider,
  type ClientCredentialsProviderOptions,
  DpopSession,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { parseChallenge } from '@portcullis/core/client';
import { createDpopKey, type DpopKey, dpopProof } from '@portcullis/testing';
import { WebSocketClientTransport } from '@portcullis/websocket';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { parseOptions } from '../src/options.js';
import { type RunningFileServer, startFileServer } from '../src/start-file-server.js';

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

/** A raw 2025-era `write_file` call, as a plain JSON client sends it. */
const writeFileRequest = (url: string, headers: Record<string, string>, path: string) =>
  fetch(url, {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'write_file', arguments: { path, content: 'written' } },
    }),
  });

/** A raw WebSocket upgrade; resolves the status and challenge of a refusal, or 101. */
const upgrade = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; challenge?: string; nonce?: string; socket?: WebSocket }>(
    (resolve, reject) => {
      const socket = new WebSocket(url, ['mcp'], { headers });
      socket.once('open', () => resolve({ status: 101, socket }));
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          challenge: res.headers['www-authenticate'] as string | undefined,
          nonce: res.headers['dpop-nonce'] as string | undefined,
        });
      });
      socket.once('error', reject);
    },
  );

describe('DPoP on the file server (optional mode), with a real oidc-provider and real proofs', () => {
  let root: string;
  let server: RunningFileServer;
  let key: DpopKey;
  let bound: string;
  let counter = 0;
  const fresh = () => `dpop-${++counter}.txt`;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-server-dpop-'));
    server = await startFileServer(
      parseOptions(
        ['--port', '0', '--root', root, '--dpop', 'optional', '--rate-limit', 'off'],
        {},
      ),
      pino({ level: 'silent' }),
    );
    key = await createDpopKey();
    const development = server.development!;
    const answer = await development.server.clientCredentialsToken({
      clientId: development.clientId,
      clientSecret: development.clientSecret,
      scope: 'files:read files:write files:list',
      resource: server.url,
      dpop: key,
    });
    expect(answer.token_type).toBe('DPoP');
    bound = answer.access_token;
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const dpopHeaders = async (proof?: Partial<Parameters<typeof dpopProof>[1]>, signer = key) => ({
    authorization: `DPoP ${bound}`,
    dpop: await dpopProof(signer, {
      method: 'POST',
      url: server.url,
      accessToken: bound,
      ...proof,
    }),
  });

  /** Asserts a 401 whose challenge names `error` under `scheme`, and that nothing was written. */
  const expectRefused = async (
    response: Response,
    path: string,
    scheme: 'Bearer' | 'DPoP',
    error: string,
    description?: RegExp,
  ) => {
    expect(response.status).toBe(401);
    const header = response.headers.get('www-authenticate') ?? '';
    const challenge = parseChallenge(header, scheme);
    expect(challenge?.error).toBe(error);
    if (description) expect(challenge?.error_description).toMatch(description);
    // DPoP is optional here: both schemes are offered, DPoP with its algorithms.
    expect(parseChallenge(header, 'Bearer')?.resource_metadata).toBe(server.metadataUrl);
    expect(parseChallenge(header, 'DPoP')?.algs).toMatch(/^ES256 /);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32001);
    expect(existsSync(join(root, path))).toBe(false);
  };

  it('publishes DPoP in the Protected Resource Metadata', async () => {
    const metadata = (await (await fetch(server.metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata.dpop_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['ES256', 'EdDSA', 'PS256', 'RS256']),
    );
    expect(metadata.dpop_bound_access_tokens_required).toBe(false);
  });

  it('HTTP: the official v2 client gets a DPoP-bound token and calls tools with a proof per request', async () => {
    const session = await DpopSession.create();
    const provider = new DpopClientCredentials(
      {
        clientId: server.development!.clientId,
        clientSecret: server.development!.clientSecret,
        scope: 'files:read files:write files:list',
        expectedIssuer: server.issuer,
      },
      session,
    );
    const client = new Client({ name: 'dpop-v2', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), { authProvider: provider }),
    );
    try {
      expect(provider.tokens()?.token_type).toBe('DPoP');
      await client.callTool({ name: 'write_file', arguments: { path: 'v2.txt', content: 'v2' } });
      expect(
        text(await client.callTool({ name: 'read_file', arguments: { path: 'v2.txt' } })),
      ).toBe('v2');
    } finally {
      await client.close();
    }
  });

  it('HTTP: a bound token with a valid proof works, a proof per request', async () => {
    for (const path of [fresh(), fresh()]) {
      const response = await writeFileRequest(server.url, await dpopHeaders(), path);
      expect(response.status).toBe(200);
      expect(await readFile(join(root, path), 'utf8')).toBe('written');
    }
  });

  it('HTTP: the same (cached) token without a proof is refused', async () => {
    const path = fresh();
    await expectRefused(
      await writeFileRequest(server.url, { authorization: `DPoP ${bound}` }, path),
      path,
      'DPoP',
      'invalid_dpop_proof',
      /needs a DPoP proof/,
    );
  });

  it('HTTP: a proof for another method is refused', async () => {
    const path = fresh();
    await expectRefused(
      await writeFileRequest(server.url, await dpopHeaders({ method: 'GET' }), path),
      path,
      'DPoP',
      'invalid_dpop_proof',
      /for GET/,
    );
  });

  it('HTTP: a proof for another URL is refused', async () => {
    const path = fresh();
    const elsewhere = new URL('/other', server.url).href;
    await expectRefused(
      await writeFileRequest(server.url, await dpopHeaders({ url: elsewhere }), path),
      path,
      'DPoP',
      'invalid_dpop_proof',
      /\/other/,
    );
  });

  it('HTTP: a replayed proof (same jti) is refused', async () => {
    const headers = await dpopHeaders();
    const first = fresh();
    expect((await writeFileRequest(server.url, headers, first)).status).toBe(200);
    const path = fresh();
    await expectRefused(
      await writeFileRequest(server.url, headers, path),
      path,
      'DPoP',
      'invalid_dpop_proof',
      /already used/,
    );
  });

  it('HTTP: a proof with a stale iat is refused', async () => {
    const path = fresh();
    await expectRefused(
      await writeFileRequest(
        server.url,
        await dpopHeaders({ issuedAt: Math.floor(Date.now() / 1000) - 120 }),
        path,
      ),
      path,
      'DPoP',
      'invalid_dpop_proof',
      /iat/,
    );
  });

  it('HTTP: a proof signed by another key is refused', async () => {
    const path = fresh();
    await expectRefused(
      await writeFileRequest(server.url, await dpopHeaders({}, await createDpopKey()), path),
      path,
      'DPoP',
      'invalid_dpop_proof',
      /another key/,
    );
  });

  it('HTTP: the bound token presented as Bearer is refused', async () => {
    const path = fresh();
    await expectRefused(
      await writeFileRequest(
        server.url,
        { authorization: `Bearer ${bound}`, dpop: (await dpopHeaders()).dpop },
        path,
      ),
      path,
      'Bearer',
      'invalid_token',
      /DPoP-bound/,
    );
  });

  it('HTTP: an unbound token still works as Bearer in optional mode', async () => {
    const path = fresh();
    const response = await writeFileRequest(
      server.url,
      { authorization: `Bearer ${server.development!.tokens.readWrite}` },
      path,
    );
    expect(response.status).toBe(200);
  });

  const wsProof = (proof?: Partial<Parameters<typeof dpopProof>[1]>, signer = key) =>
    dpopProof(signer, { method: 'GET', url: server.websocketUrl, accessToken: bound, ...proof });

  it('WebSocket: our client transport with the v2 client DpopSession calls tools and re-authenticates', async () => {
    const session = await DpopSession.create();
    const development = server.development!;
    const tokenFor = async () => {
      const response = await fetch(development.server.tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${development.clientId}:${development.clientSecret}`).toString('base64')}`,
          dpop: await session.buildProof({ htm: 'POST', htu: development.server.tokenEndpoint }),
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'files:read files:write',
          resource: server.url,
        }),
      });
      const body = (await response.json()) as { access_token: string; token_type: string };
      expect(body.token_type).toBe('DPoP');
      return body.access_token;
    };
    const transport = new WebSocketClientTransport(server.websocketUrl, {
      token: await tokenFor(),
      dpop: session,
    });
    const client = new Client({ name: 'dpop-ws', version: '1.0.0' });
    await client.connect(transport);
    try {
      await client.callTool({ name: 'write_file', arguments: { path: 'ws.txt', content: 'ws' } });
      expect(
        text(await client.callTool({ name: 'read_file', arguments: { path: 'ws.txt' } })),
      ).toBe('ws');
      const renewed = await transport.reauthenticate(await tokenFor());
      expect(renewed.scopes).toEqual(['files:read', 'files:write']);
      expect(
        text(await client.callTool({ name: 'read_file', arguments: { path: 'ws.txt' } })),
      ).toBe('ws');
    } finally {
      await client.close();
    }
  });

  it('WebSocket: a bound token with a valid proof is let in at the upgrade', async () => {
    const opened = await upgrade(server.websocketUrl, {
      authorization: `DPoP ${bound}`,
      dpop: await wsProof(),
    });
    expect(opened.status).toBe(101);
    opened.socket!.close();
  });

  const refusedUpgrades: Array<[string, () => Promise<Record<string, string>>, string, RegExp]> = [
    ['without a proof', async () => ({ authorization: `DPoP ${bound}` }), 'DPoP', /needs a DPoP/],
    [
      'with a proof for another method',
      async () => ({ authorization: `DPoP ${bound}`, dpop: await wsProof({ method: 'POST' }) }),
      'DPoP',
      /for POST/,
    ],
    [
      'with a proof for another URL',
      async () => ({
        authorization: `DPoP ${bound}`,
        dpop: await wsProof({ url: new URL('/elsewhere', server.websocketUrl) }),
      }),
      'DPoP',
      /elsewhere/,
    ],
    [
      'with a stale iat',
      async () => ({
        authorization: `DPoP ${bound}`,
        dpop: await wsProof({ issuedAt: Math.floor(Date.now() / 1000) - 3600 }),
      }),
      'DPoP',
      /iat/,
    ],
    [
      'with a proof signed by another key',
      async () => ({
        authorization: `DPoP ${bound}`,
        dpop: await wsProof({}, await createDpopKey()),
      }),
      'DPoP',
      /another key/,
    ],
    [
      'presented as Bearer',
      async () => ({ authorization: `Bearer ${bound}`, dpop: await wsProof() }),
      'Bearer',
      /DPoP-bound/,
    ],
  ];
  for (const [name, headers, scheme, description] of refusedUpgrades) {
    it(`WebSocket: the upgrade ${name} is refused`, async () => {
      const refused = await upgrade(server.websocketUrl, await headers());
      expect(refused.status).toBe(401);
      const challenge = parseChallenge(refused.challenge, scheme);
      expect(challenge?.error).toBe(scheme === 'DPoP' ? 'invalid_dpop_proof' : 'invalid_token');
      expect(challenge?.error_description).toMatch(description);
      expect(parseChallenge(refused.challenge, 'DPoP')?.algs).toContain('ES256');
    });
  }

  it('WebSocket: a replayed upgrade proof is refused', async () => {
    const headers = { authorization: `DPoP ${bound}`, dpop: await wsProof() };
    const first = await upgrade(server.websocketUrl, headers);
    expect(first.status).toBe(101);
    first.socket!.close();
    const replayed = await upgrade(server.websocketUrl, headers);
    expect(replayed.status).toBe(401);
    expect(parseChallenge(replayed.challenge, 'DPoP')).toMatchObject({
      error: 'invalid_dpop_proof',
      error_description: expect.stringMatching(/already used/),
    });
  });

  it('WebSocket: an in-band re-authentication without a valid proof is refused, nothing runs, the connection closes (4403)', async () => {
    const opened = await upgrade(server.websocketUrl, {
      authorization: `DPoP ${bound}`,
      dpop: await wsProof(),
    });
    const socket = opened.socket!;
    const messages: Array<{ id?: unknown; error?: { data?: unknown } }> = [];
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'reauth',
        method: 'portcullis/authenticate',
        // A proof made for the upgrade (GET), not for an in-band message (POST).
        params: { token: bound, dpop: await wsProof() },
      }),
    );
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 'write',
        method: 'tools/call',
        params: { name: 'write_file', arguments: { path: 'after-reauth.txt', content: 'x' } },
      }),
    );
    expect(await closed).toBe(4403);
    expect(messages[0]).toMatchObject({
      id: 'reauth',
      error: { code: -32001, data: { error: 'invalid_dpop_proof' } },
    });
    expect(existsSync(join(root, 'after-reauth.txt'))).toBe(false);
  });
});

describe('DPoP on the file server (required mode)', () => {
  let root: string;
  let server: RunningFileServer;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-server-dpop-required-'));
    server = await startFileServer(
      parseOptions(['--port', '0', '--root', root], { FILE_SERVER_DPOP: 'required' }),
      pino({ level: 'silent' }),
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('says so in the metadata and refuses an unbound Bearer token with a DPoP-only challenge', async () => {
    const metadata = (await (await fetch(server.metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata.dpop_bound_access_tokens_required).toBe(true);
    const response = await writeFileRequest(
      server.url,
      { authorization: `Bearer ${server.development!.tokens.readWrite}` },
      'unbound.txt',
    );
    expect(response.status).toBe(401);
    const header = response.headers.get('www-authenticate') ?? '';
    expect(header.startsWith('DPoP ')).toBe(true);
    expect(parseChallenge(header, 'Bearer')).toBeUndefined();
    expect(parseChallenge(header, 'DPoP')).toMatchObject({
      error: 'invalid_token',
      error_description: expect.stringMatching(/requires DPoP/),
      resource_metadata: server.metadataUrl,
    });
    expect(existsSync(join(root, 'unbound.txt'))).toBe(false);
  });

  it('answers a request without a token with a DPoP challenge naming the metadata', async () => {
    const response = await writeFileRequest(server.url, {}, 'anonymous.txt');
    expect(response.status).toBe(401);
    expect(parseChallenge(response.headers.get('www-authenticate'), 'DPoP')).toMatchObject({
      resource_metadata: server.metadataUrl,
      algs: expect.stringContaining('ES256'),
    });
  });
});
