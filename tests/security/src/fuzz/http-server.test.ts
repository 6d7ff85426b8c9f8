import { parseOptions, type RunningFileServer, startFileServer } from '@portcullis/file-server';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyId, hostileString } from './arbitraries.js';
import { rawPost } from './raw-post.js';
import { RUNS } from './runs.js';
import { createSandboxFixture, ESCAPE_NAMES, type SandboxFixture } from './sandbox-fixture.js';

/** Hang detection only: an answer's head that has not come in this long never will. */
const HEAD_DEADLINE_MS = 10_000;

/** Header values a client can put on the wire: any byte but CR, LF and NUL (latin1). */
const wireValue = fc.string({
  unit: fc
    .integer({ min: 1, max: 255 })
    .filter((code) => code !== 10 && code !== 13)
    .map((code) => String.fromCharCode(code)),
  maxLength: 40,
});

const toolCall = fc.record({
  jsonrpc: fc.constant('2.0'),
  id: fc.oneof({ arbitrary: fc.nat(), weight: 4 }, anyId),
  method: fc.constantFrom(
    'tools/call',
    'tools/list',
    'initialize',
    'server/discover',
    'subscriptions/listen',
    'resources/read',
    'ping',
  ),
  params: fc.record(
    {
      name: fc.oneof(fc.constantFrom('read_file', 'write_file', 'list_files'), hostileString(10)),
      arguments: fc.record(
        {
          path: fc.oneof(
            fc
              .array(fc.constantFrom('..', '.', 'docs', 'a.txt', ...ESCAPE_NAMES), {
                minLength: 1,
                maxLength: 4,
              })
              .map((parts) => parts.join('/')),
            hostileString(20),
          ),
          content: fc.string({ maxLength: 20 }),
          encoding: fc.constantFrom('utf8', 'base64', 'latin1'),
          offset: fc.oneof(fc.nat(), fc.double()),
        },
        { requiredKeys: [] },
      ),
      _meta: fc.constantFrom(undefined, {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientCapabilities': {},
      }),
      protocolVersion: fc.constantFrom('2025-11-25', '2026-07-28', 'x'),
    },
    { requiredKeys: [] },
  ),
});

const body = fc.oneof(
  {
    arbitrary: toolCall.map((message) => new TextEncoder().encode(JSON.stringify(message))),
    weight: 6,
  },
  fc.uint8Array({ maxLength: 200 }),
  fc.json({ maxDepth: 4 }).map((text) => new TextEncoder().encode(text)),
  toolCall.map((message) => new TextEncoder().encode(JSON.stringify(message))),
  fc
    .array(toolCall, { maxLength: 3 })
    .map((batch) => new TextEncoder().encode(JSON.stringify(batch))),
);

describe('the file server over HTTP, with arbitrary bodies and header values', () => {
  let fixture: SandboxFixture;
  let server: RunningFileServer;
  let port: number;
  beforeAll(async () => {
    fixture = await createSandboxFixture();
    server = await startFileServer(
      parseOptions(['--port', '0', '--root', fixture.root, '--rate-limit', 'off'], {}),
      pino({ level: 'silent' }),
    );
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server?.close();
    await fixture?.remove();
  });

  it('never answers 500, never hangs, never shows the outside', async () => {
    const tokens = server.development!.tokens;
    const request = fc.record({
      // Which token, by name: a failing example is printed, and tokens are never printed.
      authorization: fc.oneof(
        {
          arbitrary: fc.constantFrom('read-write', 'read-only', 'read-write lower-case'),
          weight: 3,
        },
        wireValue.map((value) => ({ raw: value })),
        fc.constant(undefined),
      ),
      contentType: fc.oneof(
        { arbitrary: fc.constant('application/json'), weight: 6 },
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain'),
        wireValue,
      ),
      accept: fc.oneof(
        { arbitrary: fc.constant('application/json, text/event-stream'), weight: 6 },
        fc.constantFrom('application/json, text/event-stream', 'application/json', '*/*'),
        wireValue,
      ),
      extra: fc.oneof(
        { arbitrary: fc.constant([]), weight: 2 },
        fc.array(
          fc.tuple(
            fc.constantFrom(
              'MCP-Protocol-Version',
              'Mcp-Method',
              'Mcp-Name',
              'Mcp-Session-Id',
              'Origin',
              'Last-Event-ID',
              'Mcp-Param-Path',
              'X-Anything',
            ),
            fc.oneof(
              fc.constantFrom(
                '2026-07-28',
                '2025-11-25',
                'tools/call',
                'read_file',
                '=?base64?cmVhZF9maWxl?=',
              ),
              wireValue,
            ),
          ),
          { maxLength: 4 },
        ),
      ),
      body,
    });
    const authorization = (choice: string | { raw: string }) =>
      typeof choice === 'object'
        ? choice.raw
        : choice === 'read-only'
          ? `Bearer ${tokens.readOnly}`
          : `${choice === 'read-write' ? 'Bearer' : 'bearer'} ${tokens.readWrite}`;
    const statuses = new Map<number | undefined, number>();
    await fc.assert(
      fc.asyncProperty(request, async (drawn) => {
        const headers: [string, string][] = [
          ...(drawn.authorization === undefined
            ? []
            : [['Authorization', authorization(drawn.authorization)] as [string, string]]),
          ['Content-Type', drawn.contentType],
          ['Accept', drawn.accept],
          ...drawn.extra,
        ];
        const answer = await rawPost(port, '/mcp', headers, drawn.body, HEAD_DEADLINE_MS);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect(answer.headMs, 'the answer came before the hang deadline').toBeLessThan(
          HEAD_DEADLINE_MS,
        );
        expect(answer.status, answer.text.slice(0, 300)).toBeDefined();
        expect(answer.status).not.toBe(500);
        expect(answer.status! < 500 || answer.status === 503).toBe(true);
        expect(answer.text).not.toContain(fixture.secret);
        expect(answer.text).not.toContain(fixture.base);
        expect(answer.text).not.toContain(tokens.readWrite);
        expect(answer.text).not.toContain(tokens.readOnly);
      }),
      { numRuns: RUNS },
    );
    expect(await fixture.outsideUnchanged()).toBe(true);
    // The requests reached every stage: refusals before authentication and real answers.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
    console.log(
      `HTTP fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  });
});
