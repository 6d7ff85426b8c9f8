import { decodeHeaderValue } from '@portcullis/core/adapter';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileString } from './arbitraries.js';
import { RUNS } from './runs.js';

const VISIBLE_ASCII = /^[\x20-\x7e]*$/;
const sentinel = (text: string) => `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`;
const whitespace = fc.constantFrom('', ' ', '\t', '  ');

/** Well-formed Unicode text (no lone surrogates): what a tool name or argument can hold. */
const text = fc
  .string({ unit: 'binary', maxLength: 40 })
  .filter((value) => Buffer.from(value, 'utf8').toString('utf8') === value);

describe('the Mcp-Name / Mcp-Param-* header decoder (decodeHeaderValue)', () => {
  it('never throws; takes visible ASCII literally and refuses anything else unencoded', () => {
    const raw = fc.oneof(
      hostileString(60),
      text.map(sentinel),
      fc.string({ maxLength: 40 }).map((body) => `=?base64?${body}?=`),
    );
    fc.assert(
      fc.property(raw, (value) => {
        const decoded = decodeHeaderValue(value);
        const trimmed = value.trim();
        if (!VISIBLE_ASCII.test(trimmed)) {
          expect(decoded.ok).toBe(false);
          return;
        }
        if (!(trimmed.startsWith('=?base64?') && trimmed.endsWith('?='))) {
          expect(decoded).toEqual({ ok: true, value: trimmed });
          return;
        }
        if (!decoded.ok) return;
        // What was accepted reads the same once encoded again: one meaning per value.
        expect(decodeHeaderValue(sentinel(decoded.value))).toEqual(decoded);
      }),
      { numRuns: RUNS },
    );
  });

  it('decodes the Base64 form of any text back to that text, around whitespace or not', () => {
    fc.assert(
      fc.property(text, whitespace, whitespace, (value, before, after) => {
        expect(decodeHeaderValue(`${before}${sentinel(value)}${after}`)).toEqual({
          ok: true,
          value,
        });
      }),
      { numRuns: RUNS },
    );
  });
});
