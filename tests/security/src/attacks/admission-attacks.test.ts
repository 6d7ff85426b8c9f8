import {
  createJwtVerifier,
  createMemoryRateLimiter,
  createMemoryReplayCache,
  createPortcullis,
  createRegistry,
  defineTool,
} from '@portcullis/core';
import {
  type AuthorizationServer,
  createDpopKey,
  type DpopKey,
  dpopProof,
  startAuthorizationServer,
} from '@portcullis/testing';
import { type RunningWebSocketServer, startWebSocketServer } from '@portcullis/websocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, secretToken, startAttackTarget } from './attack-target.js';
import { mcpHeaders, post, rpcError, WRITE_PWNED } from './json-rpc-http.js';
import { spawnStdio } from './stdio-child.js';
import { call, closeCode, initialize, openSocket, upgrade } from './websocket-probe.js';

/**
 * Fault 1 of issue 25: each transport admitted callers its own way. These cases hold only
 * because every transport now calls the core's one admission for every entry.
 */

const TWO_CREDENTIALS = 'more than one access token was sent; send exactly one';
const subprotocolEntry = (token: string) => `bearer.${Buffer.from(token).toString('base64url')}`;
const reauthenticate = (id: number, token: string, dpop?: string) => ({
  jsonrpc: '2.0',
  id,
  method: 'portcullis/authenticate',
  params: { token, ...(dpop !== undefined && { dpop }) },
});

describe('admission attacks on a file server with a rate limit of 5 a minute (A-…)', () => {
  const LIMIT = 5;
  let target: AttackTarget;
  beforeAll(async () => {
    target = await startAttackTarget(['--rate-limit', String(LIMIT)]);
  });
  afterAll(async () => {
    await target?.close();
  });

  it('A-01 an upgrade with an Authorization header for one identity and a bearer. entry for another', async () => {
    const logged = await target.unharmed(async () => {
      const alice = await target.mint({ subject: 'alice-a01' });
      const mallory = await target.mint({ subject: 'mallory-a01' });
      const result = await upgrade(target.server.websocketUrl, {
        headers: { authorization: `Bearer ${alice}` },
        protocols: ['mcp', subprotocolEntry(mallory)],
      });
      expect(result.kind).toBe('refused');
      if (result.kind !== 'refused') return;
      expect(result.status).toBe(400);
      expect((result.body as { error: unknown }).error).toEqual({
        code: -32600,
        message: 'Invalid Request',
        data: TWO_CREDENTIALS,
      });
    });
    expect(logged.filter((line) => line.msg === 'authentication_failed')).toHaveLength(1);
  });

  it('A-02 a flood of WebSocket re-authentications is counted against the rate limit', async () => {
    const logged = await target.unharmed(async () => {
      const token = await target.mint({ subject: 'flooder-a02', scopes: ['files:list'] });
      const socket = await openSocket(target.server.websocketUrl, token);
      const answers = [];
      for (let id = 0; id < 2 * LIMIT; id += 1)
        answers.push(await call(socket, reauthenticate(id, token)));
      // The upgrade took one of the five.
      expect(answers.filter((answer) => answer.result !== undefined)).toHaveLength(LIMIT - 1);
      expect(answers.at(-1)!.error).toMatchObject({
        code: -32000,
        message: 'Too many requests',
        data: { retryAfterSeconds: expect.any(Number) },
      });
      socket.close();
    });
    expect(logged.filter((line) => line.msg === 'rate_limited')).toHaveLength(LIMIT + 1);
  });

  it('A-03 a stdio server honours the rate limit, per message', async () => {
    const token = await target.mint({ subject: 'flooder-a03', scopes: ['files:list'] });
    const child = spawnStdio({
      issuer: target.server.issuer,
      resource: target.server.url,
      root: target.root,
      token,
      args: ['--rate-limit', String(LIMIT)],
    });
    try {
      await target.unharmed(async () => {
        const answers = [];
        for (let id = 0; id < 2 * LIMIT; id += 1)
          answers.push(await child.request({ jsonrpc: '2.0', id, method: 'ping' }));
        // The start took one of the five.
        expect(answers.filter((answer) => answer.result !== undefined)).toHaveLength(LIMIT - 1);
        expect(answers.at(-1)!.error).toMatchObject({
          code: -32000,
          message: 'Too many requests',
          data: { retryAfterSeconds: expect.any(Number) },
        });
      });
    } finally {
      await child.stop();
    }
    expect(child.stderr()).not.toContain(token);
  });
});

describe('a token bound to a key, presented as Bearer (A-04 … A-06)', () => {
  const MODES = ['off', 'optional', 'required'] as const;
  const targets = new Map<(typeof MODES)[number], AttackTarget>();
  let key: DpopKey;
  beforeAll(async () => {
    key = await createDpopKey();
    await Promise.all(
      MODES.map(async (mode) =>
        targets.set(mode, await startAttackTarget(['--rate-limit', 'off', '--dpop', mode])),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all([...targets.values()].map((target) => target.close()));
  });

  const bindings = () => [
    { cnf: { jkt: key.thumbprint } },
    { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } },
  ];

  it.each(MODES)('A-04 over Streamable HTTP, with DPoP %s', async (mode) => {
    const target = targets.get(mode)!;
    await target.unharmed(async () => {
      for (const claims of bindings()) {
        const answer = await post(
          target.server.url,
          WRITE_PWNED,
          mcpHeaders(await target.mint({ claims })),
        );
        expect(answer.status).toBe(401);
        expect(rpcError(answer.body)).toMatchObject({ code: -32001, message: 'Unauthorized' });
      }
    });
  });

  it.each(MODES)('A-05 at a WebSocket upgrade, with DPoP %s', async (mode) => {
    const target = targets.get(mode)!;
    await target.unharmed(async () => {
      for (const claims of bindings()) {
        const result = await upgrade(target.server.websocketUrl, {
          headers: { authorization: `Bearer ${await target.mint({ claims })}` },
        });
        expect(result.kind === 'refused' && result.status).toBe(401);
      }
    });
  });

  it.each(MODES)('A-06 at a stdio start, with DPoP %s', async (mode) => {
    const target = targets.get(mode)!;
    await target.unharmed(async () => {
      const starts = bindings().map(async (claims) => {
        const child = spawnStdio({
          issuer: target.server.issuer,
          resource: target.server.url,
          root: target.root,
          token: await target.mint({ claims }),
          args: ['--dpop', mode],
        });
        child.write(`${JSON.stringify(WRITE_PWNED)}\n`);
        expect(await child.exited).toBe(1);
        const said = child
          .stderr()
          .split('\n')
          .filter((line) => line.startsWith('portcullis: '));
        expect(said).toEqual([
          mode === 'required'
            ? 'portcullis: this resource requires DPoP, and no DPoP proof can travel over stdio: serve it over HTTP or WebSocket, or set DPoP to optional or off'
            : 'portcullis: MCP_ACCESS_TOKEN was refused: the token is bound to a key (cnf), and no proof of that key can travel over stdio: it cannot be used here',
        ]);
      });
      await Promise.all(starts);
    });
  });

  it('A-07 a stdio server with DPoP required refuses to start, even with a valid unbound token', async () => {
    const target = targets.get('required')!;
    await target.unharmed(async () => {
      const child = spawnStdio({
        issuer: target.server.issuer,
        resource: target.server.url,
        root: target.root,
        token: target.tokens.readWrite,
        args: ['--dpop', 'required'],
      });
      child.write(`${JSON.stringify(WRITE_PWNED)}\n`);
      expect(await child.exited).toBe(1);
      expect(child.stderr()).toContain(
        'portcullis: this resource requires DPoP, and no DPoP proof can travel over stdio',
      );
    });
  });
});

describe('A-08 the DPoP replay cache cannot be filled through WebSocket re-authentication', () => {
  const REPLAY_ENTRIES = 6;
  let as: AuthorizationServer;
  let server: RunningWebSocketServer;
  let key: DpopKey;

  beforeAll(async () => {
    as = await startAuthorizationServer();
    key = await createDpopKey();
    server = await startWebSocketServer({
      portcullis: ({ origin }) =>
        createPortcullis({
          resource: `${origin}/mcp`,
          server: { name: 'replay-target', version: '1' },
          registry: createRegistry({
            tools: [
              defineTool({
                name: 'write_note',
                description: 'records a note',
                scopes: ['notes:write'],
                handler: () => ({ content: [{ type: 'text', text: 'ok' }] }),
              }),
            ],
          }),
          verifier: createJwtVerifier({ issuers: [as.issuer], audience: `${origin}/mcp` }),
          authorizationServers: [as.issuer],
          rateLimiter: createMemoryRateLimiter({ limit: 3, windowMs: 60_000 }),
          dpop: {
            mode: 'required',
            replayCache: createMemoryReplayCache({ maxEntries: REPLAY_ENTRIES }),
          },
          logger: { debug() {}, info() {}, warn() {}, error() {} },
        }),
    });
  });
  afterAll(async () => {
    await server?.close();
    await as?.close();
  });

  const boundToken = (subject: string) =>
    as
      .mintToken({
        audience: server.portcullis.resource,
        subject,
        scopes: ['notes:write'],
        claims: { cnf: { jkt: key.thumbprint } },
      })
      .then(secretToken);
  const openBound = async (token: string) =>
    upgrade(server.url, {
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await dpopProof(key, { method: 'GET', url: server.url, accessToken: token }),
      },
    });

  it('one identity floods fresh proofs; past its limit none is remembered, and another identity still gets in', async () => {
    const flooder = await boundToken('flooder-a08');
    const opened = await openBound(flooder);
    if (opened.kind !== 'open') throw new Error(`upgrade refused with ${opened.status}`);
    const codes: unknown[] = [];
    for (let id = 0; id < 3 * REPLAY_ENTRIES; id += 1) {
      const proof = await dpopProof(key, { method: 'POST', url: server.url, accessToken: flooder });
      const answer = await call(opened.socket, reauthenticate(id, flooder, proof));
      codes.push(answer.result ? 'ok' : (answer.error as { code: number }).code);
    }
    // The upgrade and two re-authentications fit in the limit of 3; the rest never reach a proof.
    expect(codes).toEqual(['ok', 'ok', ...Array(3 * REPLAY_ENTRIES - 2).fill(-32000)]);
    opened.socket.close();

    const bystander = await openBound(await boundToken('bystander-a08'));
    expect(bystander.kind).toBe('open');
    if (bystander.kind !== 'open') return;
    await initialize(bystander.socket);
    const closed = closeCode(bystander.socket);
    bystander.socket.close();
    await closed;
  });
});
