import { describe, expect, it } from 'vitest';
import { type ConnectionMessage, decideConnectionEra } from './connection-era.js';
import { classifyMessage } from './json-rpc.js';

const envelope = (version: unknown) => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientCapabilities': {},
});
const message = (value: Record<string, unknown>) =>
  classifyMessage({ jsonrpc: '2.0', ...value }) as ConnectionMessage;
const initialize = message({
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'c', version: '1' },
  },
});
const discover = message({
  id: 1,
  method: 'server/discover',
  params: { _meta: envelope('2026-07-28') },
});

describe('decideConnectionEra', () => {
  it('opens the legacy era with initialize or any request without an envelope claim', () => {
    expect(decideConnectionEra(initialize, undefined)).toEqual({ kind: 'dispatch', era: 'legacy' });
    expect(decideConnectionEra(message({ id: 2, method: 'ping' }), undefined)).toEqual({
      kind: 'dispatch',
      era: 'legacy',
    });
  });

  it('opens the modern era with any request whose _meta claims 2026-07-28', () => {
    expect(decideConnectionEra(discover, undefined)).toEqual({ kind: 'dispatch', era: 'modern' });
    const list = message({
      id: 3,
      method: 'tools/list',
      params: { _meta: envelope('2026-07-28') },
    });
    expect(decideConnectionEra(list, undefined)).toEqual({ kind: 'dispatch', era: 'modern' });
  });

  it('refuses an unsupported revision with -32022 naming the supported ones, without opening an era', () => {
    const old = message({
      id: 'v',
      method: 'server/discover',
      params: { _meta: envelope('1900-01-01') },
    });
    const refusal = {
      kind: 'refuse',
      reply: {
        jsonrpc: '2.0',
        id: 'v',
        error: {
          code: -32022,
          message: 'Unsupported protocol version: 1900-01-01',
          data: { supported: ['2026-07-28'], requested: '1900-01-01' },
        },
      },
    };
    expect(decideConnectionEra(old, undefined)).toEqual(refusal);
    expect(decideConnectionEra(old, 'modern')).toEqual(refusal);
    const legacyClaim = message({
      id: 'v',
      method: 'tools/list',
      params: { _meta: envelope('2025-06-18') },
    });
    expect(decideConnectionEra(legacyClaim, 'modern')).toMatchObject({
      reply: { error: { code: -32022, data: { requested: '2025-06-18' } } },
    });
  });

  it('refuses a malformed envelope with -32602', () => {
    const broken = message({
      id: 4,
      method: 'tools/list',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    });
    expect(decideConnectionEra(broken, undefined)).toMatchObject({
      kind: 'refuse',
      reply: { id: 4, error: { code: -32602 } },
    });
  });

  it('keeps a pinned era: legacy takes everything, modern hands initialize to its server', () => {
    expect(decideConnectionEra(discover, 'legacy')).toEqual({ kind: 'dispatch', era: 'legacy' });
    expect(decideConnectionEra(initialize, 'modern')).toEqual({ kind: 'dispatch', era: 'modern' });
  });

  it('drops notifications and responses before an era is open, and bad notifications at any time', () => {
    const cancelled = message({ method: 'notifications/cancelled', params: { requestId: 1 } });
    const response = message({ id: 9, result: {} });
    expect(decideConnectionEra(cancelled, undefined)).toEqual({ kind: 'drop' });
    expect(decideConnectionEra(response, undefined)).toEqual({ kind: 'drop' });
    expect(decideConnectionEra(cancelled, 'modern')).toEqual({ kind: 'dispatch', era: 'modern' });
    expect(decideConnectionEra(response, 'legacy')).toEqual({ kind: 'dispatch', era: 'legacy' });
    const stale = message({
      method: 'notifications/cancelled',
      params: { requestId: 1, _meta: envelope('1900-01-01') },
    });
    expect(decideConnectionEra(stale, 'modern')).toEqual({ kind: 'drop' });
  });
});
