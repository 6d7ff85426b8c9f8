import { generateSigningKey } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, secretToken, startAttackTarget } from './attack-target.js';
import { parseChallenge } from './bearer-challenge.js';
import { WRITE_PWNED } from './json-rpc-http.js';
import { rawExchange, rawRequest } from './raw-http.js';
import { call, closeCode, initialize, openSocket, upgrade } from './websocket-probe.js';

/** What a refused upgrade must answer. */
interface RefusedUpgrade {
  status: number;
  /** The challenge's parameters, or `undefined` for a refusal without one. */
  challenge?: Record<string, string>;
  error: { code: number; message: string; data?: unknown };
}

interface UpgradeCase {
  id: string;
  attack: string;
  offer: (
    target: AttackTarget,
  ) => Promise<{ headers?: Record<string, string>; protocols?: string[]; path?: string }>;
  expected: (target: AttackTarget) => RefusedUpgrade;
}

const SCOPES = 'files:list files:read files:write';
const invalid = (t: AttackTarget, description: string): RefusedUpgrade => ({
  status: 401,
  challenge: {
    resource_metadata: t.server.metadataUrl,
    scope: SCOPES,
    error: 'invalid_token',
    error_description: description,
  },
  error: { code: -32001, message: 'Unauthorized', data: description },
});
const bearer = (token: string) => ({ authorization: `Bearer ${secretToken(token)}` });

const UPGRADES: UpgradeCase[] = [
  {
    id: 'W-01',
    attack: 'an upgrade without a token',
    offer: async () => ({}),
    expected: (t) => ({
      status: 401,
      challenge: { resource_metadata: t.server.metadataUrl, scope: SCOPES },
      error: {
        code: -32001,
        message: 'Unauthorized',
        data: 'no access token was sent (expected an Authorization: Bearer header)',
      },
    }),
  },
  {
    id: 'W-02',
    attack: 'an upgrade with a token that is not a JWT',
    offer: async () => ({ headers: { authorization: 'Bearer not-a-jwt' } }),
    expected: (t) => invalid(t, 'token is not a JWT (expected three dot-separated parts)'),
  },
  {
    id: 'W-03',
    attack: 'an upgrade with a token for another resource (foreign audience)',
    offer: async (t) => ({
      headers: bearer(await t.mint({ audience: 'https://other.example/mcp' })),
    }),
    expected: (t) =>
      invalid(
        t,
        `token audience https://other.example/mcp is not accepted here; expected one of ${t.server.url}`,
      ),
  },
  {
    id: 'W-04',
    attack: 'an upgrade with an expired token',
    offer: async (t) => ({ headers: bearer(await t.mint({ expiresIn: -60 })) }),
    expected: (t) => invalid(t, 'token has expired'),
  },
  {
    id: 'W-05',
    attack: 'a valid token without the mcp subprotocol',
    offer: async (t) => ({ headers: bearer(t.tokens.readWrite), protocols: ['chat'] }),
    expected: () => ({
      status: 400,
      error: { code: -32600, message: 'the WebSocket subprotocol "mcp" is required' },
    }),
  },
  {
    id: 'W-06',
    attack: 'a bearer. subprotocol entry that is not base64url',
    offer: async () => ({ protocols: ['mcp', 'bearer.!!!!'] }),
    expected: (t) => invalid(t, 'the bearer. subprotocol entry is not base64url'),
  },
  {
    id: 'W-07',
    attack: 'the token in the upgrade URL (?access_token=)',
    offer: async (t) => ({ path: `?access_token=${t.tokens.readWrite}` }),
    expected: (t) => ({
      status: 400,
      challenge: {
        error: 'invalid_request',
        error_description:
          'access tokens are accepted in the Authorization header or a bearer subprotocol, never in the URL',
        resource_metadata: t.server.metadataUrl,
      },
      error: {
        code: -32600,
        message: 'Invalid Request',
        data: 'access tokens are accepted in the Authorization header or a bearer subprotocol, never in the URL',
      },
    }),
  },
  {
    id: 'W-08',
    attack: 'a foreign Origin (cross-site WebSocket hijacking) with a valid token',
    offer: async (t) => ({
      headers: { ...bearer(t.tokens.readWrite), origin: 'https://evil.example' },
    }),
    expected: () => ({
      status: 403,
      error: { code: -32600, message: 'Forbidden: Origin https://evil.example is not allowed' },
    }),
  },
  {
    id: 'W-09',
    attack:
      "a token signed with the attacker's key under the trusted kid, in a bearer. subprotocol entry",
    offer: async (t) => {
      const key = await generateSigningKey('RS256', t.authorizationServer.keys[0]!.kid);
      const token = secretToken(await t.mint({ key }));
      return { protocols: ['mcp', `bearer.${Buffer.from(token).toString('base64url')}`] };
    },
    expected: (t) => invalid(t, 'token signature is invalid'),
  },
];

describe('WebSocket attacks (W-…)', () => {
  let target: AttackTarget;
  beforeAll(async () => {
    target = await startAttackTarget(['--rate-limit', 'off']);
  });
  afterAll(async () => {
    await target?.close();
  });

  it.each(UPGRADES)('$id $attack', async ({ offer, expected }) => {
    const logged = await target.unharmed(async () => {
      const { headers, protocols, path = '' } = await offer(target);
      const result = await upgrade(`${target.server.websocketUrl}${path}`, { headers, protocols });
      expect(result.kind).toBe('refused');
      if (result.kind !== 'refused') return;
      const want = expected(target);
      expect({
        status: result.status,
        challenge: parseChallenge(result.headers['www-authenticate'] as string | undefined)?.params,
        error: (result.body as { error: unknown }).error,
      }).toEqual(want);
    });
    expect(logged.some((line) => line.msg === 'access_denied')).toBe(false);
  });

  it('W-10 two Authorization headers on the upgrade, one valid', async () => {
    await target.unharmed(async () => {
      const exchange = await rawExchange(
        target.server.websocketUrl.replace('ws:', 'http:'),
        rawRequest(target.server.websocketUrl.replace('ws:', 'http:'), {
          method: 'GET',
          headers: [
            ['Connection', 'Upgrade'],
            ['Upgrade', 'websocket'],
            ['Sec-WebSocket-Version', '13'],
            ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
            ['Sec-WebSocket-Protocol', 'mcp'],
            ['Authorization', `Bearer ${target.tokens.readWrite}`],
            ['Authorization', 'Bearer x.y.z'],
          ],
        }),
        500,
      );
      expect({
        statuses: exchange.statuses,
        error: (exchange.body as { error: unknown }).error,
      }).toEqual({
        statuses: [400],
        error: {
          code: -32600,
          message: 'Invalid Request',
          data: 'more than one access token was sent; send exactly one',
        },
      });
    });
  });

  it('W-11 a frame larger than 1 MiB closes the connection with 1009', async () => {
    await target.unharmed(async () => {
      const socket = await openSocket(target.server.websocketUrl, target.tokens.readWrite);
      await initialize(socket);
      const big = {
        ...WRITE_PWNED,
        params: {
          name: 'write_file',
          arguments: { path: 'pwned.txt', content: 'x'.repeat(1 << 20) },
        },
      };
      socket.send(JSON.stringify(big));
      expect(await closeCode(socket)).toBe(1009);
    });
  });

  it('W-12 a binary frame closes the connection with 1003', async () => {
    await target.unharmed(async () => {
      const socket = await openSocket(target.server.websocketUrl, target.tokens.readWrite);
      await initialize(socket);
      socket.send(Buffer.from(JSON.stringify(WRITE_PWNED)));
      expect(await closeCode(socket)).toBe(1003);
    });
  });

  it('W-13 a text frame that is not JSON gets -32700 and the connection stays usable', async () => {
    await target.unharmed(async () => {
      const socket = await openSocket(target.server.websocketUrl, target.tokens.readOnly);
      await initialize(socket);
      const answer = new Promise<unknown>((resolve) =>
        socket.once('message', (data) => resolve(JSON.parse(data.toString()))),
      );
      socket.send('{"jsonrpc":"2.0","id":1,"method":"tools/call",');
      expect(((await answer) as { error: { code: number } }).error.code).toBe(-32700);
      expect(await call(socket, { jsonrpc: '2.0', id: 2, method: 'ping' })).toEqual({
        jsonrpc: '2.0',
        id: 2,
        result: {},
      });
      socket.close();
    });
  });

  it('W-14 a read-only token calls write_file over an open connection', async () => {
    const logged = await target.unharmed(async () => {
      const socket = await openSocket(target.server.websocketUrl, target.tokens.readOnly);
      await initialize(socket);
      const answer = await call(socket, WRITE_PWNED);
      expect(answer.error).toMatchObject({
        code: -32001,
        message: 'insufficient_scope',
        data: {
          tool: 'write_file',
          required_scopes: ['files:write'],
          granted_scopes: ['files:read', 'files:list'],
        },
      });
      socket.close();
    });
    expect(logged.filter((line) => line.msg === 'access_denied')).toHaveLength(1);
  });

  it('W-15 re-authentication as another identity is refused and the connection closed with 4403', async () => {
    await target.unharmed(async () => {
      const socket = await openSocket(
        target.server.websocketUrl,
        await target.mint({ subject: 'alice', scopes: ['files:read'] }),
      );
      await initialize(socket);
      const closed = closeCode(socket);
      const answer = await call(socket, {
        jsonrpc: '2.0',
        id: 'reauth',
        method: 'portcullis/authenticate',
        params: { token: await target.mint({ subject: 'mallory' }) },
      });
      expect(answer.error).toEqual({
        code: -32001,
        message: 'Unauthorized',
        data: 'the new token names another identity than the one this connection was opened for',
      });
      expect(await closed).toBe(4403);
    });
  });

  it('W-16 re-authentication with a forged token is refused with 4403', async () => {
    await target.unharmed(async () => {
      const socket = await openSocket(target.server.websocketUrl, target.tokens.readOnly);
      await initialize(socket);
      const closed = closeCode(socket);
      const answer = await call(socket, {
        jsonrpc: '2.0',
        id: 'reauth',
        method: 'portcullis/authenticate',
        params: { token: `${target.tokens.readWrite.slice(0, -4)}AAAA` },
      });
      expect(answer.error).toEqual({
        code: -32001,
        message: 'Unauthorized',
        data: 'token signature is invalid',
      });
      expect(await closed).toBe(4403);
    });
  });

  it('W-17 a connection used after its token expired', async () => {
    await target.unharmed(async () => {
      const socket = await openSocket(
        target.server.websocketUrl,
        await target.mint({ expiresIn: 2 }),
      );
      await initialize(socket);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const answer = await call(socket, WRITE_PWNED);
      expect(answer.error).toEqual({
        code: -32001,
        message: 'Unauthorized',
        data: 'token has expired',
      });
      socket.close();
    });
  });

  it('W-18 a first request naming a revision the server does not serve', async () => {
    await target.unharmed(async () => {
      const socket = await openSocket(target.server.websocketUrl, target.tokens.readWrite);
      const answer = await call(socket, {
        ...WRITE_PWNED,
        params: {
          ...WRITE_PWNED.params,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2099-01-01',
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      });
      expect(answer.error).toMatchObject({
        code: -32022,
        data: { supported: ['2026-07-28'], requested: '2099-01-01' },
      });
      socket.close();
    });
  });
});
