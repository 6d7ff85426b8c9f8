import { classifyInboundRequest } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { isPlainLegacyRequest, routeHttpPost } from './http-route.js';
import { createRegistry } from './registry.js';

const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: {} } };
const envelope = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const bodies: unknown[] = [
  call,
  { ...call, id: 'a' },
  { jsonrpc: '2.0', id: 0, method: 'ping' },
  { jsonrpc: '2.0', id: 7, method: 'initialize', params: { protocolVersion: '2025-11-25' } },
  { ...call, id: 1.5 },
  { ...call, id: null },
  { ...call, id: 2 ** 60 },
  { ...call, id: undefined },
  { jsonrpc: '2.0', method: 'tools/call' },
  { ...call, jsonrpc: '1.0' },
  { ...call, method: 3 },
  { ...call, params: null },
  { ...call, params: [] },
  { ...call, params: { _meta: {} } },
  { ...call, params: { _meta: { progressToken: 1 } } },
  { ...call, params: { _meta: envelope } },
  { ...call, extra: true },
  { ...call, result: {} },
  { jsonrpc: '2.0', id: 1, result: {} },
  { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'm' } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  [call],
  null,
  'text',
  42,
];
const versions = [undefined, '2025-11-25', '2025-06-18', '2026-07-28', ' 2025-11-25', 'junk'];

describe('isPlainLegacyRequest', () => {
  it('says legacy only where the SDK classification says legacy too', () => {
    let fast = 0;
    for (const body of bodies)
      for (const protocolVersion of versions) {
        if (!isPlainLegacyRequest(body, protocolVersion)) continue;
        fast += 1;
        const outcome = classifyInboundRequest({
          httpMethod: 'POST',
          protocolVersionHeader: protocolVersion,
          body,
        });
        expect(outcome.kind, JSON.stringify({ body, protocolVersion })).toBe('legacy');
      }
    expect(fast).toBeGreaterThanOrEqual(12);
  });

  it('leaves envelopes, modern headers and malformed requests to the SDK', () => {
    expect(isPlainLegacyRequest(call, undefined)).toBe(true);
    expect(isPlainLegacyRequest(call, '2025-11-25')).toBe(true);
    expect(isPlainLegacyRequest(call, '2026-07-28')).toBe(false);
    expect(isPlainLegacyRequest({ ...call, params: { _meta: envelope } }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ ...call, id: null }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ ...call, extra: 1 }, undefined)).toBe(false);
    expect(isPlainLegacyRequest([call], undefined)).toBe(false);
  });
});

describe('routeHttpPost', () => {
  const registry = createRegistry({});
  const headers = (protocolVersion: string | undefined) => ({
    protocolVersion,
    method: undefined,
    name: undefined,
    get: () => undefined,
  });

  it('routes arrays nested 100,000 deep without recursing (a refusal, not a stack overflow)', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    for (const version of ['2026-07-28', '2025-11-25'])
      expect(routeHttpPost(deep, headers(version), registry).kind).not.toBe('modern');
  });

  it('refuses a response-shaped body sent as 2026-07-28 with -32600, naming what it is', () => {
    for (const body of [
      { jsonrpc: '2.0', id: 4, result: { content: [] } },
      { jsonrpc: '2.0', id: 4, error: { code: -1, message: 'm' } },
      [{ jsonrpc: '2.0', id: 4, result: {} }],
    ])
      expect(routeHttpPost(body, headers('2026-07-28'), registry), JSON.stringify(body)).toEqual({
        kind: 'reject',
        status: 400,
        id: Array.isArray(body) ? null : 4,
        code: -32600,
        message:
          'Invalid Request: the body is a JSON-RPC response, not a request (2026-07-28 servers send no requests to answer)',
      });
  });

  it('leaves a 2025 client its answers to server requests', () => {
    const answer = { jsonrpc: '2.0', id: 'a', result: {} };
    expect(routeHttpPost(answer, headers('2025-11-25'), registry)).toEqual({ kind: 'legacy' });
    expect(routeHttpPost(answer, headers(undefined), registry)).toEqual({ kind: 'legacy' });
  });
});
