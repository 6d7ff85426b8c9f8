import { AuthError } from '@portcullis/core';
import { readBearerToken } from '@portcullis/core/adapter';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileString } from './arbitraries.js';
import { RUNS } from './runs.js';

/** RFC 6750 b64token characters, as real tokens are made of. */
const b64token = fc.string({
  unit: fc.constantFrom(...'ABCXYZabcxyz0189-._~+/='.split('')),
  minLength: 1,
  maxLength: 40,
});

/** "Bearer" in any letter case. */
const bearerScheme = fc
  .array(fc.boolean(), { minLength: 6, maxLength: 6 })
  .map((upper) =>
    [...'bearer'].map((letter, index) => (upper[index] ? letter.toUpperCase() : letter)).join(''),
  );

/** Header values: arbitrary text, and near misses of `Bearer <token>`. */
const headerValue = fc.oneof(
  hostileString(80),
  fc
    .tuple(
      fc.oneof(bearerScheme, fc.constantFrom('Basic', 'Bearer:', 'Bearerx', 'Token', '')),
      fc.constantFrom(' ', '  ', '\t', ' \t', ''),
      fc.oneof(b64token, hostileString(20)),
      fc.constantFrom('', ' ', '\t', ' x', ',', '\r\n'),
    )
    .map((parts) => parts.join('')),
);

/** What a parser following RFC 6750 §2.1 returns, written apart from the code under test. */
function expectedToken(header: string): string | undefined {
  const match = /^bearer (.*)$/is.exec(header);
  if (!match) return undefined;
  const token = match[1]!.trim();
  return token.length > 0 && !/\s/.test(token) ? token : undefined;
}

function read(header: string | readonly string[] | undefined) {
  try {
    return { token: readBearerToken(header) };
  } catch (error) {
    return { error };
  }
}

describe('the Authorization header parser (readBearerToken)', () => {
  it('returns exactly the token of a well-formed Bearer header, and refuses anything else as a 400 or 401, never otherwise', () => {
    fc.assert(
      fc.property(headerValue, (header) => {
        const outcome = read(header);
        const expected = expectedToken(header);
        if (expected !== undefined) {
          expect(outcome).toEqual({ token: expected });
          return;
        }
        expect(outcome.error).toBeInstanceOf(AuthError);
        const error = outcome.error as AuthError;
        expect(error.code).toBe(header === '' ? 'missing_token' : 'invalid_request');
        // The refusal never repeats what was sent after the scheme (a token, in a well-meant header).
        const sent = header.slice(header.indexOf(' ') + 1).trim();
        if (header.includes(' ') && sent.length >= 8) expect(error.message).not.toContain(sent);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses several Authorization headers, and reads one header sent as a list like the header itself', () => {
    fc.assert(
      fc.property(fc.array(headerValue, { maxLength: 4 }), (headers) => {
        const outcome = read(headers);
        if (headers.length === 1) {
          expect(outcome).toEqual(read(headers[0]));
          return;
        }
        expect((outcome.error as AuthError | undefined)?.code).toBe('invalid_request');
      }),
      { numRuns: RUNS },
    );
  });
});
