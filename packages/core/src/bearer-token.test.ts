import { describe, expect, it } from 'vitest';
import { readAccessToken, readBearerToken } from './bearer-token.js';

const codeOf = (header: Parameters<typeof readBearerToken>[0]) => {
  try {
    readBearerToken(header);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('readBearerToken', () => {
  it('reads the token of a Bearer header, whatever the case of the scheme', () => {
    expect(readBearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(readBearerToken('bearer abc')).toBe('abc');
    expect(readBearerToken(['BEARER xyz'])).toBe('xyz');
  });

  it('tells a missing token from a malformed request', () => {
    expect(codeOf(undefined)).toBe('missing_token');
    expect(codeOf('')).toBe('missing_token');
    expect(codeOf('Basic dXNlcjpwYXNz')).toBe('invalid_request');
    expect(codeOf('Bearer')).toBe('invalid_request');
    expect(codeOf('Bearer ')).toBe('invalid_request');
    expect(codeOf('Bearer a b')).toBe('invalid_request');
    expect(codeOf(['Bearer a', 'Bearer b'])).toBe('invalid_request');
  });

  it('names a scheme it refuses, but never repeats a bare token', () => {
    const messageOf = (read: () => unknown) => {
      try {
        read();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const token = 'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.e30.c2ln';
    for (const read of [readBearerToken, readAccessToken]) {
      expect(messageOf(() => read('Basic dXNlcjpwYXNz'))).toMatch(/, not Basic$/);
      expect(messageOf(() => read(token))).not.toContain(token.slice(0, 8));
      expect(messageOf(() => read(`${token} x`))).not.toContain(token.slice(0, 8));
    }
  });
});
