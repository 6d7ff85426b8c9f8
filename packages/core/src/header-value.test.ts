import { describe, expect, it } from 'vitest';
import { decodeHeaderValue } from './header-value.js';
import { paramHeaderMismatch, paramHeadersOf } from './param-headers.js';

describe('SEP-2243 header values', () => {
  it('decodes the Base64 sentinel strictly and takes anything else literally', () => {
    expect(decodeHeaderValue('=?base64?SGVsbG8=?=')).toEqual({ ok: true, value: 'Hello' });
    expect(decodeHeaderValue('  plain  ')).toEqual({ ok: true, value: 'plain' });
    expect(decodeHeaderValue('=?base64?SGVsbG8=')).toEqual({
      ok: true,
      value: '=?base64?SGVsbG8=',
    });
    expect(decodeHeaderValue('=?base64?SGVsbG8?=').ok).toBe(false);
    expect(decodeHeaderValue('=?base64?SGVs!!!bG8=?=').ok).toBe(false);
    expect(decodeHeaderValue('=?base64?/w==?=').ok).toBe(false);
    expect(decodeHeaderValue('caf\u00e9').ok).toBe(false);
  });

  it('finds x-mcp-header parameters through properties only and checks them against arguments', () => {
    const declared = paramHeadersOf('t', {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        limits: { type: 'object', properties: { max: { type: 'integer', 'x-mcp-header': 'Max' } } },
      },
    });
    expect(declared).toEqual([
      { header: 'mcp-param-region', path: ['region'], type: 'string' },
      { header: 'mcp-param-max', path: ['limits', 'max'], type: 'integer' },
    ]);
    const headers = (values: Record<string, string>) => (name: string) => values[name];
    const args = { region: 'eu', limits: { max: 42 } };
    expect(
      paramHeaderMismatch(
        declared,
        args,
        headers({ 'mcp-param-region': 'eu', 'mcp-param-max': '42' }),
      ),
    ).toBeUndefined();
    expect(paramHeaderMismatch(declared, args, headers({ 'mcp-param-max': '42' }))).toMatch(
      /missing/,
    );
    expect(
      paramHeaderMismatch(
        declared,
        args,
        headers({ 'mcp-param-region': 'us', 'mcp-param-max': '42' }),
      ),
    ).toMatch(/does not match/);
    expect(paramHeaderMismatch(declared, {}, headers({}))).toBeUndefined();
  });

  it('accepts integers only in canonical decimal form', () => {
    const declared = paramHeadersOf('t', {
      type: 'object',
      properties: { n: { type: 'integer', 'x-mcp-header': 'N' } },
    });
    const check = (n: number, header: string) =>
      paramHeaderMismatch(declared, { n }, (name) => (name === 'mcp-param-n' ? header : undefined));
    for (const [n, header] of [
      [10, '10'],
      [-3, '-3'],
      [0, '0'],
      [-0, '0'],
    ] as const)
      expect(check(n, header), header).toBeUndefined();
    // HTTP strips whitespace around a header value (RFC 9110 §5.5); Base64 keeps " 10" whole.
    const spaced = `=?base64?${Buffer.from(' 10').toString('base64')}?=`;
    for (const header of ['0x0A', '1e1', '+10', '010', spaced, '10.0', '0b1010', '', '-0'])
      expect(check(header === '-0' ? 0 : 10, header), header).toMatch(/does not match/);
  });

  it('refuses declarations a client would reject', () => {
    const bad = (property: object) => () =>
      paramHeadersOf('t', { type: 'object', properties: { p: property } });
    expect(bad({ type: 'number', 'x-mcp-header': 'N' })).toThrow(/string, integer or boolean/);
    expect(bad({ type: 'string', 'x-mcp-header': 'has space' })).toThrow(/token/);
  });
});
