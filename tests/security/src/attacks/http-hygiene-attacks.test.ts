import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, startAttackTarget, type ToolOutcome } from './attack-target.js';
import { type HttpAnswer, mcpHeaders, post, WRITE_PWNED } from './json-rpc-http.js';
import { rawExchange, rawRequest } from './raw-http.js';

/** What an HTTP attack observably got: the status, and the JSON-RPC error of the body. */
interface Observed {
  status: number;
  error?: { code: number; message?: string; data?: unknown };
  /** The text of a tool's error result. */
  toolError?: string;
}

interface HygieneCase {
  id: string;
  attack: string;
  run: (target: AttackTarget) => Promise<Observed>;
  expected: Observed;
  /** Whether a handler may run and fail (argument validation), rather than not run at all. */
  tools?: ToolOutcome;
}

const observed = (answer: HttpAnswer | { statuses: number[]; body: unknown }): Observed => {
  const status = 'status' in answer ? answer.status : answer.statuses[0]!;
  const body = answer.body as
    | {
        error?: { code: number; message: string };
        result?: { isError?: boolean; content?: Array<{ text: string }> };
      }
    | undefined;
  return {
    status,
    ...(body?.error && { error: { code: body.error.code, message: body.error.message } }),
    ...(body?.result?.isError && { toolError: body.result.content?.[0]?.text }),
  };
};

const json = JSON.stringify(WRITE_PWNED);
const modern = (method: string, params: Record<string, unknown>, version = '2026-07-28') => ({
  jsonrpc: '2.0',
  id: 7,
  method,
  params: {
    ...params,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': version,
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});
const writeCall = modern('tools/call', {
  name: 'write_file',
  arguments: { path: 'pwned.txt', content: 'x' },
});

/** Raw headers of an authorized JSON POST, plus `extra`. */
const rawHeaders = (target: AttackTarget, extra: Array<[string, string]> = []) => [
  ['Content-Type', 'application/json'] as [string, string],
  ['Accept', 'application/json, text/event-stream'] as [string, string],
  ['Authorization', `Bearer ${target.tokens.readWrite}`] as [string, string],
  ...extra,
];

const CASES: HygieneCase[] = [
  {
    id: 'H-01',
    attack: 'a foreign Origin (a web page driving the browser) with a valid token',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          WRITE_PWNED,
          mcpHeaders(t.tokens.readWrite, { origin: 'https://evil.example' }),
        ),
      ),
    expected: {
      status: 403,
      error: { code: -32600, message: 'Forbidden: Origin https://evil.example is not allowed' },
    },
  },
  {
    id: 'H-02',
    attack: 'Origin: null (a sandboxed frame or a file: page)',
    run: async (t) =>
      observed(
        await post(t.server.url, WRITE_PWNED, mcpHeaders(t.tokens.readWrite, { origin: 'null' })),
      ),
    expected: {
      status: 403,
      error: { code: -32600, message: 'Forbidden: Origin null is not allowed' },
    },
  },
  {
    id: 'H-03',
    attack: 'a foreign Host (DNS rebinding) with a valid token',
    run: async (t) =>
      observed(
        await rawExchange(
          t.server.url,
          rawRequest(t.server.url, {
            headers: [
              ['Host', 'evil.example'],
              ...rawHeaders(t, [
                ['Content-Length', String(json.length)],
                ['Connection', 'close'],
              ]),
            ],
            body: json,
          }),
        ),
      ),
    expected: {
      status: 403,
      error: {
        code: -32600,
        message: expect.stringMatching(
          /^Forbidden: Host evil\.example is not allowed; this server expects Host 127\.0\.0\.1:\d+ /,
        ),
      },
    },
  },
  {
    id: 'H-04',
    attack: 'an absolute-form request line naming a foreign authority',
    run: async (t) =>
      observed(
        await rawExchange(
          t.server.url,
          rawRequest(t.server.url, {
            target: 'http://evil.example/mcp',
            headers: rawHeaders(t, [
              ['Content-Length', String(json.length)],
              ['Connection', 'close'],
            ]),
            body: json,
          }),
        ),
      ),
    expected: { status: 404 },
  },
  {
    id: 'H-05',
    attack: 'an absolute-form request line without a token (it once hung the socket)',
    run: async (t) =>
      observed(
        await rawExchange(
          t.server.url,
          rawRequest(t.server.url, {
            target: t.server.url,
            headers: [
              ['Content-Type', 'application/json'],
              ['Accept', 'application/json, text/event-stream'],
              ['Content-Length', String(json.length)],
              ['Connection', 'close'],
            ],
            body: json,
          }),
        ),
      ),
    expected: { status: 401, error: { code: -32001, message: 'Unauthorized' } },
  },
  {
    id: 'H-06',
    attack: 'Content-Length and Transfer-Encoding together, smuggling a second write',
    run: async (t) => {
      const smuggled = rawRequest(t.server.url, {
        headers: rawHeaders(t, [['Content-Length', String(json.length)]]),
        body: json,
      });
      const exchange = await rawExchange(
        t.server.url,
        rawRequest(t.server.url, {
          headers: rawHeaders(t, [
            ['Content-Length', '4'],
            ['Transfer-Encoding', 'chunked'],
          ]),
          body: `0\r\n\r\n${smuggled}`,
        }),
      );
      expect(exchange.statuses).toEqual([400]);
      return observed(exchange);
    },
    expected: { status: 400 },
  },
  {
    id: 'H-07',
    attack: 'two different Content-Length headers',
    run: async (t) => {
      const exchange = await rawExchange(
        t.server.url,
        rawRequest(t.server.url, {
          headers: rawHeaders(t, [
            ['Content-Length', '2'],
            ['Content-Length', String(json.length)],
          ]),
          body: json,
        }),
      );
      expect(exchange.statuses).toEqual([400]);
      return observed(exchange);
    },
    expected: { status: 400 },
  },
  {
    id: 'H-08',
    attack: 'an obfuscated Transfer-Encoding (chunked, identity)',
    run: async (t) => {
      const exchange = await rawExchange(
        t.server.url,
        rawRequest(t.server.url, {
          headers: rawHeaders(t, [['Transfer-Encoding', 'chunked, identity']]),
          body: `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`,
        }),
      );
      expect(exchange.statuses).toEqual([400]);
      return observed(exchange);
    },
    expected: { status: 400 },
  },
  {
    id: 'H-09',
    attack: 'a 100 MB body announced without a token: refused from the headers, nothing read',
    run: async (t) =>
      observed(
        await rawExchange(
          t.server.url,
          rawRequest(t.server.url, {
            headers: [
              ['Content-Type', 'application/json'],
              ['Accept', 'application/json, text/event-stream'],
              ['Content-Length', String(100 << 20)],
            ],
            body: '{"jsonrpc":',
          }),
        ),
      ),
    expected: { status: 401, error: { code: -32001, message: 'Unauthorized' } },
  },
  {
    id: 'H-10',
    attack: 'a body larger than the write limit allows, with a valid token',
    run: async (t) =>
      observed(
        await rawExchange(
          t.server.url,
          rawRequest(t.server.url, {
            headers: rawHeaders(t, [['Content-Length', String(100 << 20)]]),
            body: '{"jsonrpc":',
          }),
        ),
      ),
    expected: {
      status: 413,
      error: { code: -32600, message: 'Payload Too Large: the body is larger than 23492199 bytes' },
    },
  },
  {
    id: 'H-11',
    attack: '64 KiB of headers',
    run: async (t) => {
      const exchange = await rawExchange(
        t.server.url,
        rawRequest(t.server.url, {
          headers: rawHeaders(t, [
            ['X-Padding', 'a'.repeat(64 << 10)],
            ['Content-Length', String(json.length)],
          ]),
          body: json,
        }),
      );
      return { status: exchange.statuses[0]! };
    },
    expected: { status: 431 },
  },
  {
    id: 'H-12',
    attack: 'JSON nested 100,000 deep in the arguments',
    run: async (t) => {
      const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
      const body = json.replace('"content":"pwned"', `"content":${deep}`);
      return observed(await post(t.server.url, body, mcpHeaders(t.tokens.readWrite)));
    },
    expected: {
      status: 200,
      toolError:
        'Invalid arguments for tool write_file: content: Invalid input: expected string, received object',
    },
    tools: 'failed',
  },
  {
    id: 'H-13',
    attack: 'a body sent one byte a second without a token: answered before the body ends',
    run: async (t) => {
      const started = Date.now();
      const exchange = await rawExchange(
        t.server.url,
        rawRequest(t.server.url, {
          headers: [
            ['Content-Type', 'application/json'],
            ['Accept', 'application/json, text/event-stream'],
            ['Content-Length', String(json.length)],
          ],
          body: '{',
        }),
        1000,
      );
      expect(Date.now() - started).toBeLessThan(1500);
      return observed(exchange);
    },
    expected: { status: 401, error: { code: -32001, message: 'Unauthorized' } },
  },
  {
    id: 'H-14',
    attack: 'a body that is not JSON',
    run: async (t) =>
      observed(await post(t.server.url, '{"jsonrpc":"2.0",', mcpHeaders(t.tokens.readWrite))),
    expected: {
      status: 400,
      error: { code: -32700, message: 'Parse error: the body is not valid JSON' },
    },
  },
  {
    id: 'H-15',
    attack: 'a JSON-RPC message without "jsonrpc"',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          { ...WRITE_PWNED, jsonrpc: undefined },
          mcpHeaders(t.tokens.readWrite),
        ),
      ),
    expected: {
      status: 400,
      error: {
        code: -32600,
        message: 'Bad Request: the request body is not a valid JSON-RPC message',
      },
    },
  },
  {
    id: 'H-16',
    attack: 'a batch under 2025-06-18, which has none',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          [WRITE_PWNED, { ...WRITE_PWNED, id: 2 }],
          mcpHeaders(t.tokens.readWrite, { 'mcp-protocol-version': '2025-06-18' }),
        ),
      ),
    expected: {
      status: 400,
      error: {
        code: -32600,
        message: 'JSON-RPC batches are not allowed in protocol version 2025-06-18',
      },
    },
  },
  {
    id: 'H-17',
    attack: 'a 2025-03-26 batch hiding a write behind a read, with a read-only token',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          [
            {
              jsonrpc: '2.0',
              id: 1,
              method: 'tools/call',
              params: { name: 'read_file', arguments: { path: 'notes/canary.txt' } },
            },
            { ...WRITE_PWNED, id: 2 },
          ],
          mcpHeaders(t.tokens.readOnly, { 'mcp-protocol-version': '2025-03-26' }),
        ),
      ),
    expected: { status: 403, error: { code: -32001, message: 'insufficient_scope' } },
  },
  {
    id: 'H-18',
    attack:
      '2026-07-28: headers name read_file (allowed), the body calls write_file, read-only token',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          writeCall,
          mcpHeaders(t.tokens.readOnly, {
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/call',
            'mcp-name': 'read_file',
          }),
        ),
      ),
    expected: {
      status: 400,
      error: { code: -32020, message: 'the Mcp-Name header does not match params.name' },
    },
  },
  {
    id: 'H-19',
    attack: '2026-07-28: headers name read_file, the body calls write_file, read-write token',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          writeCall,
          mcpHeaders(t.tokens.readWrite, {
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/call',
            'mcp-name': 'read_file',
          }),
        ),
      ),
    expected: {
      status: 400,
      error: { code: -32020, message: 'the Mcp-Name header does not match params.name' },
    },
  },
  {
    id: 'H-20',
    attack: '2026-07-28: headers name tools/list, the body calls a tool',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          writeCall,
          mcpHeaders(t.tokens.readWrite, {
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/list',
          }),
        ),
      ),
    expected: {
      status: 400,
      error: {
        code: -32020,
        message:
          'Bad Request: the request headers and body disagree: the body names method tools/call but the Mcp-Method header names tools/list',
      },
    },
  },
  {
    id: 'H-21',
    attack: '2026-07-28: no Mcp-Method header',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          writeCall,
          mcpHeaders(t.tokens.readWrite, { 'mcp-protocol-version': '2026-07-28' }),
        ),
      ),
    expected: {
      status: 400,
      error: { code: -32020, message: 'the Mcp-Method header is required' },
    },
  },
  {
    id: 'H-22',
    attack: '2026-07-28: MCP-Protocol-Version header disagrees with the envelope',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          writeCall,
          mcpHeaders(t.tokens.readWrite, {
            'mcp-protocol-version': '2025-11-25',
            'mcp-method': 'tools/call',
            'mcp-name': 'write_file',
          }),
        ),
      ),
    expected: {
      status: 400,
      error: {
        code: -32020,
        message:
          'Bad Request: the request headers and body disagree: the body envelope names protocol version 2026-07-28 but the MCP-Protocol-Version header names 2025-11-25',
      },
    },
  },
  {
    id: 'H-23',
    attack: 'an envelope naming a revision the server does not serve',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          modern(
            'tools/call',
            { name: 'write_file', arguments: { path: 'pwned.txt', content: 'x' } },
            '2099-01-01',
          ),
          mcpHeaders(t.tokens.readWrite, {
            'mcp-protocol-version': '2099-01-01',
            'mcp-method': 'tools/call',
            'mcp-name': 'write_file',
          }),
        ),
      ),
    expected: {
      status: 400,
      error: { code: -32022, message: 'Unsupported protocol version: 2099-01-01' },
    },
  },
  {
    id: 'H-24',
    attack: 'a text/plain body (a CORS-simple request from a web page)',
    run: async (t) =>
      observed(
        await post(t.server.url, WRITE_PWNED, {
          ...mcpHeaders(t.tokens.readWrite),
          'content-type': 'text/plain',
        }),
      ),
    expected: {
      status: 415,
      error: { code: -32600, message: 'Unsupported Media Type: the body must be application/json' },
    },
  },
  {
    id: 'H-25',
    attack: 'the token as a form field (RFC 6750 form-encoded body)',
    run: async (t) =>
      observed(
        await post(t.server.url, `access_token=${t.tokens.readWrite}&jsonrpc=2.0`, {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json, text/event-stream',
        }),
      ),
    expected: {
      status: 415,
      error: { code: -32600, message: 'Unsupported Media Type: the body must be application/json' },
    },
  },
  {
    id: 'H-26',
    attack: 'a PUT to the endpoint',
    run: async (t) => {
      const response = await fetch(t.server.url, {
        method: 'PUT',
        headers: mcpHeaders(t.tokens.readWrite),
        body: json,
      });
      return observed({
        status: response.status,
        headers: response.headers,
        text: '',
        body: await response.json(),
      });
    },
    expected: { status: 405, error: { code: -32600, message: 'Method Not Allowed' } },
  },
  {
    id: 'H-27',
    attack: 'an HTTP/1.1 request without Host',
    run: async (t) => {
      const exchange = await rawExchange(
        t.server.url,
        `POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${t.tokens.readWrite}\r\nContent-Length: ${json.length}\r\n\r\n${json}`,
      );
      return observed(exchange);
    },
    expected: { status: 400 },
  },
  {
    id: 'H-28',
    attack: 'a batch of arrays nested 100,000 deep',
    run: async (t) =>
      observed(
        await post(
          t.server.url,
          `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
          mcpHeaders(t.tokens.readWrite),
        ),
      ),
    expected: {
      status: 400,
      error: { code: -32600, message: 'Bad Request: JSON-RPC batch contains an invalid message' },
    },
  },
  {
    id: 'H-29',
    attack: 'slowloris: 64 connections dribbling headers while a caller works',
    run: async (t) => {
      const { port } = new URL(t.server.url);
      let dropped = 0;
      const slow = Array.from({ length: 64 }, () => {
        const socket = connect(Number(port), '127.0.0.1');
        socket.on('error', () => {});
        socket.once('close', () => {
          dropped += 1;
        });
        socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
        return socket;
      });
      try {
        const answer = await post(
          t.server.url,
          {
            jsonrpc: '2.0',
            id: 1,
            method: 'tools/call',
            params: { name: 'list_files', arguments: {} },
          },
          mcpHeaders(t.tokens.readOnly),
        );
        // Answered while every dribbling connection is still held open (the server drops them
        // only at its headers timeout): the caller did not wait for them, however slow the
        // machine, rather than being served once they were gone.
        expect(dropped).toBe(0);
        return { status: answer.status };
      } finally {
        for (const socket of slow) socket.destroy();
      }
    },
    expected: { status: 200 },
    tools: 'any',
  },
  {
    id: 'H-30',
    attack: 'a GET stream on the stateless endpoint',
    run: async (t) => {
      const response = await fetch(t.server.url, {
        headers: { authorization: `Bearer ${t.tokens.readWrite}`, accept: 'text/event-stream' },
      });
      return observed({
        status: response.status,
        headers: response.headers,
        text: '',
        body: await response.json(),
      });
    },
    expected: {
      status: 405,
      error: {
        code: -32600,
        message: 'Method Not Allowed: this endpoint is stateless and has no GET stream',
      },
    },
  },
];

describe('HTTP hygiene attacks (H-…)', () => {
  let target: AttackTarget;
  beforeAll(async () => {
    target = await startAttackTarget();
  });
  afterAll(async () => {
    await target?.close();
  });

  it.each(CASES)('$id $attack', async ({ run, expected, tools }) => {
    await target.unharmed(
      async () => {
        expect(await run(target)).toEqual(expected);
      },
      { tools },
    );
  });
});
