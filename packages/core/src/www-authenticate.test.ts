import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import { formatBearerChallenge, parseBearerChallenge } from './www-authenticate.js';

describe('Bearer challenges', () => {
  it('never carries text that cannot be a header value, whatever a token holds', () => {
    const header = formatBearerChallenge({
      error: 'invalid_token',
      error_description: 'token typ "\u0100\u0000\r\nSet-Cookie: a=b\u00e9" is not accepted',
    });
    expect(() => validateHeaderValue('www-authenticate', header)).not.toThrow();
    expect(header).toBe(
      'Bearer error="invalid_token", error_description="token typ \\"?? Set-Cookie: a=b?\\" is not accepted"',
    );
  });

  it('round-trips what the core formats, escapes included', () => {
    const header = formatBearerChallenge({
      error: 'insufficient_scope',
      scope: 'a b',
      error_description: 'needs "b"',
    });
    expect(parseBearerChallenge(header)).toEqual({
      error: 'insufficient_scope',
      scope: 'a b',
      error_description: 'needs "b"',
    });
  });

  it("reads Casdoor's challenge, token values, and finds nothing in other schemes", () => {
    expect(
      parseBearerChallenge(
        'Bearer realm="casdoor", resource_metadata="https://door.example.com/.well-known/oauth-protected-resource"',
      ),
    ).toEqual({
      realm: 'casdoor',
      resource_metadata: 'https://door.example.com/.well-known/oauth-protected-resource',
    });
    expect(parseBearerChallenge('Bearer error=invalid_token')).toEqual({ error: 'invalid_token' });
    expect(parseBearerChallenge('Bearer')).toEqual({});
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseBearerChallenge(null)).toBeUndefined();
  });
});
