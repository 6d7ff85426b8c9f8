import { validateHeaderName, validateHeaderValue } from 'node:http';
import { AuthError, type AuthErrorCode } from '@portcullis/core';
import { createChallenge, formatBearerChallenge } from '@portcullis/core/adapter';
import { parseBearerChallenge } from '@portcullis/core/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostileString } from './arbitraries.js';
import { RUNS } from './runs.js';

const codes = [
  'missing_token',
  'invalid_token',
  'invalid_request',
  'insufficient_scope',
  'rate_limited',
  'unavailable',
] as const satisfies readonly AuthErrorCode[];
const STATUS: Record<(typeof codes)[number], number> = {
  missing_token: 401,
  invalid_token: 401,
  invalid_request: 400,
  insufficient_scope: 403,
  rate_limited: 429,
  unavailable: 503,
};

/** What a challenge value becomes: visible ASCII and spaces only (line breaks fold to one space). */
const sanitized = (value: string) => value.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');

/** An error as a token, a header or a rate limiter could make it: any text anywhere. */
const authError = fc
  .record({
    code: fc.constantFrom(...codes),
    message: hostileString(120),
    required: fc.array(hostileString(12), { maxLength: 3 }),
    granted: fc.array(hostileString(12), { maxLength: 3 }),
    retryAfterSeconds: fc.option(fc.double(), { nil: undefined }),
    data: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
  })
  .map(({ code, message, required, granted, retryAfterSeconds, data }) => ({
    code,
    error: new AuthError(code, message, {
      requiredScopes: required,
      grantedScopes: granted,
      retryAfterSeconds,
      data,
    }),
  }));

const context = fc.record(
  {
    resourceMetadataUrl: fc.oneof(fc.webUrl(), hostileString(40)),
    scopes: fc.array(hostileString(12), { maxLength: 4 }),
    realm: hostileString(20),
    requestId: fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null)),
  },
  { requiredKeys: [] },
);

describe('the challenge builder (createChallenge, formatBearerChallenge)', () => {
  it('answers any error with headers Node.js can send and a JSON-RPC error body', () => {
    fc.assert(
      fc.property(authError, context, ({ code, error }, ctx) => {
        const challenge = createChallenge(error, ctx);
        expect(challenge.status).toBe(STATUS[code]);
        for (const [name, value] of Object.entries(challenge.headers)) {
          expect(() => validateHeaderName(name)).not.toThrow();
          expect(
            () => validateHeaderValue(name, value),
            `${name}: ${JSON.stringify(value)}`,
          ).not.toThrow();
        }
        const retryAfter = challenge.headers['retry-after'];
        if (retryAfter !== undefined)
          expect(retryAfter, 'Retry-After is delta-seconds').toMatch(/^[1-9]\d*$/);

        const wire = JSON.stringify(challenge.body);
        const body = JSON.parse(wire);
        expect(JSON.stringify(body)).toBe(wire);
        expect(body.jsonrpc).toBe('2.0');
        expect(body.id).toBe(ctx.requestId ?? null);
        expect(Number.isInteger(body.error.code)).toBe(true);
        expect(typeof body.error.message).toBe('string');

        const header = challenge.headers['www-authenticate'];
        expect(header !== undefined).toBe(STATUS[code] <= 403);
        if (header === undefined) return;
        const params = parseBearerChallenge(header);
        expect(params).toBeDefined();
        expect(params?.error).toBe(code === 'missing_token' ? undefined : code);
        if (code !== 'missing_token')
          expect(params?.error_description).toBe(sanitized(error.message) || undefined);
      }),
      { numRuns: RUNS },
    );
  });

  it('formats any parameters into one header value that reads back as the sanitized parameters', () => {
    // `__proto__` is left out: parseBearerChallenge (a client-side reader) drops a parameter of
    // that name, as any plain object does; no server sends one.
    const name = fc
      .string({
        unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'.split('')),
        minLength: 1,
        maxLength: 12,
      })
      .filter((candidate) => candidate !== '__proto__');
    fc.assert(
      fc.property(
        fc.dictionary(name, fc.option(hostileString(60), { nil: undefined }), { maxKeys: 6 }),
        (params) => {
          const header = formatBearerChallenge(params);
          expect(() => validateHeaderValue('www-authenticate', header)).not.toThrow();
          const expected = Object.fromEntries(
            Object.entries(params)
              .filter(
                (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
              )
              .map(([key, value]) => [key, sanitized(value)]),
          );
          expect(parseBearerChallenge(header)).toEqual(expected);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
