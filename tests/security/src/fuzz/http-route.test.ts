import { createRegistry, defineTool } from '@portcullis/core';
import {
  decodeHeaderValue,
  type McpRequestHeaders,
  modernProtocolVersions,
  routeHttpPost,
  targetFromHeaders,
} from '@portcullis/core/adapter';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyId, hostileString } from './arbitraries.js';
import { RUNS } from './runs.js';

const registry = createRegistry({
  tools: [
    defineTool({
      name: 'read_file',
      description: 'reads',
      scopes: ['files:read'],
      inputSchema: { type: 'object', properties: { path: { type: 'string' } } },
      handler: () => ({ content: [] }),
    }),
    defineTool({
      name: 'zone_report',
      description: 'a tool with a parameter mirrored in a header',
      scopes: ['zones:read'],
      inputSchema: {
        type: 'object',
        properties: { region: { type: 'string', 'x-mcp-header': 'Region' } },
      },
      handler: () => ({ content: [] }),
    }),
  ],
});

const NAME_FIELD: Record<string, 'name' | 'uri'> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};
const base64 = (value: string) => `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;

const revision = fc.oneof(
  { arbitrary: fc.constantFrom(...modernProtocolVersions), weight: 6 },
  fc.constantFrom(...modernProtocolVersions, '2025-11-25', '2025-06-18', '2099-01-01', ''),
  hostileString(12),
);
const method = fc.oneof(
  { arbitrary: fc.constantFrom('tools/call', 'resources/read'), weight: 4 },
  fc.constantFrom(
    'tools/call',
    'prompts/get',
    'resources/read',
    'tools/list',
    'server/discover',
    'initialize',
    'ping',
  ),
  hostileString(12),
);
const name = fc.oneof(
  fc.constantFrom('read_file', 'zone_report', 'file:///a', 'other'),
  hostileString(16),
);

/** Mostly the body's own value ("same"), sometimes another one, sometimes no header. */
const mostlySame = (other: fc.Arbitrary<string>) =>
  fc.oneof({ arbitrary: fc.constant('same'), weight: 8 }, other, fc.constant(undefined));

/** A body and headers that mostly agree, each part sometimes changed, dropped or encoded. */
const request = fc
  .record({
    jsonrpc: fc.oneof({ arbitrary: fc.constant('2.0'), weight: 9 }, fc.constant('1.0')),
    id: fc.oneof({ arbitrary: fc.integer(), weight: 6 }, anyId),
    method,
    name,
    region: fc.option(hostileString(10), { nil: undefined }),
    revision,
    hasMeta: fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, fc.constant(false)),
    headerRevision: mostlySame(revision),
    headerMethod: mostlySame(method),
    headerName: mostlySame(fc.oneof(fc.constantFrom('same-base64', 'same-spaced'), name)),
    headerRegion: mostlySame(fc.oneof(fc.constant('same-base64'), hostileString(10))),
    extra: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined, freq: 4 }),
  })
  .map((draw) => {
    const field = NAME_FIELD[draw.method] ?? 'name';
    const body: Record<string, unknown> = {
      jsonrpc: draw.jsonrpc,
      ...(draw.id !== undefined && { id: draw.id }),
      method: draw.method,
      params: {
        [field]: draw.name,
        ...(draw.region !== undefined && { arguments: { region: draw.region } }),
        ...(draw.hasMeta && {
          _meta: {
            'io.modelcontextprotocol/protocolVersion': draw.revision,
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        }),
        ...(draw.extra !== undefined && { extra: draw.extra }),
      },
    };
    const same = (choice: string | undefined, value: string | undefined) =>
      choice === 'same'
        ? value
        : choice === 'same-base64'
          ? base64(value ?? '')
          : choice === 'same-spaced'
            ? ` ${value} `
            : choice;
    const param = same(draw.headerRegion, draw.region);
    const headers: McpRequestHeaders = {
      protocolVersion: same(draw.headerRevision, draw.revision),
      method: same(draw.headerMethod, draw.method),
      name: same(draw.headerName, draw.name),
      get: (header) => (header === 'mcp-param-region' ? param : undefined),
    };
    return { body, headers };
  });

const bodies = fc.oneof(
  { arbitrary: request, weight: 3 },
  fc.record({
    body: fc.jsonValue({ maxDepth: 3 }),
    headers: request.map(({ headers }) => headers),
  }),
);

describe('the 2026-07-28 HTTP router (routeHttpPost, targetFromHeaders)', () => {
  it('never throws, refuses with a 4xx JSON-RPC error, and routes a request only when its headers say what its body does', () => {
    fc.assert(
      fc.property(bodies, ({ body, headers }) => {
        const route = routeHttpPost(body, headers, registry);
        const bodyId = (body as { id?: unknown } | null)?.id;
        if (route.kind === 'reject') {
          expect(route.status).toBeGreaterThanOrEqual(400);
          expect(route.status).toBeLessThan(500);
          expect(Number.isInteger(route.code)).toBe(true);
          expect(typeof route.message).toBe('string');
          expect(route.id).toBe(
            typeof bodyId === 'string' || typeof bodyId === 'number' ? bodyId : null,
          );
          return;
        }
        if (route.kind === 'legacy') return;
        expect(modernProtocolVersions).toContain(route.revision);
        const message = route.message;
        expect(message).toBe(body);
        if (message.id === undefined) return;
        // A request: the headers a proxy or the pre-body scope check read agree with the body.
        expect(headers.protocolVersion).toBe(route.revision);
        expect(headers.method).toBe(message.method);
        const field = NAME_FIELD[message.method];
        if (!field) return;
        const decoded = decodeHeaderValue(headers.name ?? '');
        expect(decoded).toEqual({ ok: true, value: message.params?.[field] });
        // The scope decided before the body was read concerned this very target.
        expect(targetFromHeaders(headers)).toEqual({
          method: message.method,
          params: { [field]: message.params?.[field] },
        });
        const region = (message.params?.arguments as { region?: unknown } | undefined)?.region;
        if (
          message.method === 'tools/call' &&
          message.params?.name === 'zone_report' &&
          typeof region === 'string'
        )
          expect(decodeHeaderValue(headers.get('mcp-param-region') ?? '')).toEqual({
            ok: true,
            value: region,
          });
      }),
      { numRuns: RUNS },
    );
  });
});
