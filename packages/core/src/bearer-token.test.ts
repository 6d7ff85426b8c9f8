import { describe, expect, it } from 'vitest';
import { readBearerToken } from './bearer-token.js';

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
});
