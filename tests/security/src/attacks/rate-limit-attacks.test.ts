import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, startAttackTarget } from './attack-target.js';
import { mcpHeaders, post, rpcError } from './json-rpc-http.js';
import { call, initialize, openSocket } from './websocket-probe.js';

const LIMIT = 5;
const LIST = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'list_files', arguments: {} },
} as const;

describe(`floods against the default-on rate limit, set to ${LIMIT} a minute`, () => {
  let target: AttackTarget;
  beforeAll(async () => {
    target = await startAttackTarget(['--rate-limit', String(LIMIT)]);
  });
  afterAll(async () => {
    await target?.close();
  });

  it('H-31 one identity floods HTTP: the calls past the limit get 429 with Retry-After, audited', async () => {
    const token = await target.mint({ subject: 'flooder-http', scopes: ['files:list'] });
    const logged = await target.unharmed(
      async () => {
        const answers = [];
        for (let index = 0; index < 2 * LIMIT; index += 1)
          answers.push(await post(target.server.url, { ...LIST, id: index }, mcpHeaders(token)));
        expect(answers.map((answer) => answer.status)).toEqual([
          ...Array(LIMIT).fill(200),
          ...Array(LIMIT).fill(429),
        ]);
        const refused = answers.at(-1)!;
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(rpcError(refused.body)).toEqual({
          code: -32000,
          message: 'Too many requests',
          data: 'too many requests',
        });
      },
      { tools: 'any' },
    );
    expect(logged.filter((line) => line.msg === 'rate_limited')).toHaveLength(LIMIT);
    expect(logged.filter((line) => line.msg === 'access_allowed')).toHaveLength(LIMIT);
  });

  it('W-19 one identity floods a WebSocket: the upgrade counts, the rest past the limit get -32000', async () => {
    const token = await target.mint({ subject: 'flooder-ws', scopes: ['files:list'] });
    const logged = await target.unharmed(
      async () => {
        const socket = await openSocket(target.server.websocketUrl, token);
        await initialize(socket);
        const answers = await Promise.all(
          Array.from({ length: 2 * LIMIT }, (_, index) => call(socket, { ...LIST, id: index })),
        );
        const limited = answers.filter(
          (answer) => (answer.error as { code?: number } | undefined)?.code === -32000,
        );
        expect(answers.length - limited.length).toBe(LIMIT - 2);
        expect(limited[0]!.error).toMatchObject({
          message: 'Too many requests',
          data: { retryAfterSeconds: expect.any(Number) },
        });
        socket.close();
      },
      { tools: 'any' },
    );
    expect(logged.filter((line) => line.msg === 'access_allowed')).toHaveLength(LIMIT - 2);
  });

  it("H-32 the flooders' limits never touch another identity", async () => {
    const answer = await post(
      target.server.url,
      LIST,
      mcpHeaders(await target.mint({ subject: 'bystander', scopes: ['files:list'] })),
    );
    expect(answer.status).toBe(200);
  });
});
