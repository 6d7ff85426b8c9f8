import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, startAttackTarget } from './attack-target.js';
import { WRITE_PWNED } from './json-rpc-http.js';
import { type StdioChild, spawnStdio } from './stdio-child.js';

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 'init',
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'attacker', version: '1' },
  },
} as const;

interface StartCase {
  id: string;
  attack: string;
  token: (target: AttackTarget) => Promise<string | undefined>;
  /** The one line on stderr, after `portcullis: `. */
  reason: (target: AttackTarget) => string;
}

const STARTS: StartCase[] = [
  {
    id: 'I-01',
    attack: 'no token in the environment',
    token: async () => undefined,
    reason: () =>
      'no access token: set MCP_ACCESS_TOKEN, or choose local trust with an explicit set of scopes',
  },
  {
    id: 'I-02',
    attack: 'a token that is not a JWT',
    token: async () => 'not-a-token',
    reason: () =>
      'MCP_ACCESS_TOKEN was refused: token is not a JWT (expected three dot-separated parts)',
  },
  {
    id: 'I-03',
    attack: 'an expired token',
    token: (t) => t.mint({ expiresIn: -60 }),
    reason: () => 'MCP_ACCESS_TOKEN was refused: token has expired',
  },
  {
    id: 'I-04',
    attack: 'a token for another resource',
    token: (t) => t.mint({ audience: 'https://other.example/mcp' }),
    reason: (t) =>
      `MCP_ACCESS_TOKEN was refused: token audience https://other.example/mcp is not accepted here; expected one of ${t.server.url}`,
  },
];

describe('stdio attacks (I-…)', () => {
  let target: AttackTarget;
  let running: StdioChild;
  beforeAll(async () => {
    target = await startAttackTarget();
  });
  afterAll(async () => {
    await running?.stop();
    await target?.close();
  });

  const start = (token: string | undefined) =>
    spawnStdio({
      issuer: target.server.issuer,
      resource: target.server.url,
      root: target.root,
      token,
    });

  it.concurrent.each(STARTS)(
    '$id $attack: refused at start, nothing read',
    async ({ token, reason }) => {
      await target.unharmed(async () => {
        const value = await token(target);
        const child = start(value);
        child.write(`${JSON.stringify(INITIALIZE)}\n${JSON.stringify(WRITE_PWNED)}\n`);
        expect(await child.exited).toBe(1);
        // One line says why, beside audit lines and oidc-provider's warning about the Node version.
        const said = child
          .stderr()
          .split('\n')
          .filter((line) => line.startsWith('portcullis: '));
        expect(said).toEqual([`portcullis: ${reason(target)}`]);
        expect(child.stderr()).not.toContain('"msg":"access_allowed"');
      });
    },
  );

  describe('on a running server with a read-only token', () => {
    beforeAll(async () => {
      running = start(target.tokens.readOnly);
      await running.request(INITIALIZE);
      running.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    });

    const stillServes = async () =>
      expect(await running.request({ jsonrpc: '2.0', id: 'ping', method: 'ping' })).toEqual({
        jsonrpc: '2.0',
        id: 'ping',
        result: {},
      });

    it('I-05 a line that is not JSON gets -32700 and the server keeps serving', async () => {
      await target.unharmed(async () => {
        running.write('{"jsonrpc":"2.0","id":5,"method":"tools/call",\n');
        expect((await running.answer(null)).error).toMatchObject({ code: -32700 });
        await stillServes();
      });
    });

    it('I-06 a line of 5 MiB gets -32600 without being buffered, and the server keeps serving', async () => {
      await target.unharmed(async () => {
        running.write(
          `${JSON.stringify({ ...WRITE_PWNED, id: 6, params: { ...WRITE_PWNED.params, arguments: { path: 'pwned.txt', content: 'x'.repeat(5 << 20) } } })}\n`,
        );
        expect((await running.answer(null)).error).toEqual({
          code: -32600,
          message: 'Invalid Request: line of more than 4194304 bytes',
        });
        await stillServes();
      });
    });

    it('I-07 write_file under the read-only token', async () => {
      const logged = running.stderr().length;
      await target.unharmed(async () => {
        const answer = await running.request({ ...WRITE_PWNED, id: 7 });
        expect(answer.error).toMatchObject({
          code: -32001,
          message: 'insufficient_scope',
          data: { tool: 'write_file', required_scopes: ['files:write'] },
        });
      });
      // The audit line is written on its own schedule, maybe after the answer: wait for it.
      await running.stderrContaining('"msg":"access_denied"', logged);
    });

    it('I-08 a JSON-RPC batch line', async () => {
      await target.unharmed(async () => {
        running.write(`${JSON.stringify([{ ...WRITE_PWNED, id: 8 }])}\n`);
        expect((await running.answer(null)).error).toEqual({
          code: -32600,
          message: 'Invalid Request: batches are not accepted over stdio',
        });
        await stillServes();
      });
    });

    it('no token and no outside content ever reaches the stdio server log', () => {
      expect(running.stderr()).not.toContain(target.tokens.readOnly);
      expect(running.stderr()).not.toContain('"msg":"access_allowed"');
    });
  });

  it('I-09 a token that expires while the server runs stops working at its exp', async () => {
    // The token must outlive the server's start, which a loaded machine can make last longer
    // than any fixed guess: a start refused because the token expired first is started again
    // with twice the lifetime. The case then waits only what is left of the token's life.
    let lifetime = 8;
    let started: { child: StdioChild; expiresAt: number } | undefined;
    while (!started) {
      const expiresAt = Math.floor(Date.now() / 1000) + lifetime;
      const child = start(
        await target.mint({ issuedAt: expiresAt - lifetime, expiresIn: lifetime }),
      );
      const ready = await child.request(INITIALIZE).catch(() => undefined);
      if (ready) started = { child, expiresAt };
      else {
        await child.stderrContaining('portcullis: MCP_ACCESS_TOKEN was refused: token has expired');
        expect(lifetime, 'the server never started within the token lifetime').toBeLessThan(256);
        lifetime *= 2;
      }
    }
    const { child, expiresAt } = started;
    try {
      await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 100));
      await target.unharmed(async () => {
        const answer = await child.request({ ...WRITE_PWNED, id: 9 });
        expect(answer.error).toEqual({
          code: -32001,
          message: 'Unauthorized',
          data: 'token has expired',
        });
      });
    } finally {
      await child.stop();
    }
  });
});
