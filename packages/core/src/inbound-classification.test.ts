import { classifyInboundRequest, type InboundHttpRequest } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { classifyInbound, isWellFormedRequest } from './inbound-classification.js';

const VERSION = 'io.modelcontextprotocol/protocolVersion';
const CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
const INFO = 'io.modelcontextprotocol/clientInfo';
const envelope = {
  [VERSION]: '2026-07-28',
  [INFO]: { name: 'c', version: '1' },
  [CAPABILITIES]: { elicitation: {} },
};
const envelopes: unknown[] = [
  envelope,
  { ...envelope, progressToken: 3 },
  { ...envelope, [VERSION]: '2025-11-25' },
  { ...envelope, [VERSION]: '2027-01-01' },
  { ...envelope, [VERSION]: 7 },
  { [VERSION]: '2026-07-28', [INFO]: { name: 'c', version: '1' } },
  { ...envelope, [INFO]: { name: 3 } },
  { ...envelope, [CAPABILITIES]: 'all' },
  { ...envelope, progressToken: { not: 'a token' } },
  { ...envelope, 'io.modelcontextprotocol/logLevel': 'loud' },
  {},
  'text',
];
const call = (meta: unknown, extra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'x', arguments: {}, _meta: meta },
  ...extra,
});
const bodies: unknown[] = envelopes.flatMap((meta) => [
  call(meta),
  call(meta, { id: 'a' }),
  call(meta, { id: 1.5 }),
  call(meta, { id: 2 ** 60 }),
  call(meta, { id: null }),
  call(meta, { method: 'initialize' }),
  call(meta, { extra: true }),
  call(meta, { result: {} }),
  call(meta, { jsonrpc: '1.0' }),
  { jsonrpc: '2.0', method: 'notifications/cancelled', params: { _meta: meta } },
  [call(meta)],
]);
const headers: Omit<InboundHttpRequest, 'body'>[] = [
  { httpMethod: 'POST' },
  { httpMethod: 'POST', protocolVersionHeader: '2026-07-28', mcpMethodHeader: 'tools/call' },
  { httpMethod: 'POST', protocolVersionHeader: ' 2026-07-28', mcpMethodHeader: 'tools/call ' },
  { httpMethod: 'POST', protocolVersionHeader: '2025-11-25', mcpMethodHeader: 'tools/call' },
  { httpMethod: 'POST', protocolVersionHeader: '2026-07-28', mcpMethodHeader: 'tools/list' },
  { httpMethod: 'GET', protocolVersionHeader: '2026-07-28' },
];

/** The outcome as plain data (a refusal's error compared by its code and message). */
const plain = (outcome: unknown) => JSON.parse(JSON.stringify(outcome));

describe('classifyInbound', () => {
  it('answers what the SDK answers, before and after an envelope was accepted', () => {
    let modern = 0;
    for (const round of ['first', 'remembered'])
      for (const body of bodies)
        for (const head of headers) {
          const request = { ...head, body };
          const expected = classifyInboundRequest(request);
          if (expected.kind === 'modern') modern += 1;
          expect(plain(classifyInbound(request)), `${round}: ${JSON.stringify(request)}`).toEqual(
            plain(expected),
          );
        }
    // The comparison covered accepted requests, not only refusals.
    expect(modern).toBeGreaterThan(20);
  });

  it('classifies a remembered envelope without the SDK, and never remembers a refused one', () => {
    const accepted = { ...envelope, [CAPABILITIES]: { sampling: {} } };
    const head = { httpMethod: 'POST', protocolVersionHeader: '2026-07-28' };
    const first = classifyInbound({ ...head, body: call(accepted) });
    expect(first.kind).toBe('modern');
    const body = call(accepted, { id: 9 });
    const again = classifyInbound({ ...head, body });
    // Built here, not by the SDK: the message is the very body passed in, unchanged.
    expect(again).toEqual({
      kind: 'modern',
      messageKind: 'request',
      message: body,
      classification: { era: 'modern', revision: '2026-07-28' },
    });

    const missingCapabilities = { [VERSION]: '2026-07-28' };
    for (let i = 0; i < 2; i += 1)
      expect(classifyInbound({ ...head, body: call(missingCapabilities) }).kind).toBe('reject');
  });
});

describe('isWellFormedRequest', () => {
  it('is true only for what the SDK takes as a JSON-RPC request', () => {
    let accepted = 0;
    for (const body of bodies) {
      if (!isWellFormedRequest(body)) continue;
      accepted += 1;
      const outcome = classifyInboundRequest({ httpMethod: 'POST', body: { ...body, params: {} } });
      expect(outcome.kind, JSON.stringify(body)).not.toBe('reject');
    }
    expect(accepted).toBeGreaterThan(10);
  });
});
