import { describe, expect, it } from 'vitest';
import { AuthError } from './auth-error.js';
import { createChallenge } from './challenge.js';

const context = {
  resourceMetadataUrl: 'https://host/.well-known/oauth-protected-resource/mcp',
  scopes: ['files:read', 'files:list'],
};

describe('createChallenge', () => {
  it('answers a missing token with 401, resource_metadata and scope, without an error attribute', () => {
    const challenge = createChallenge(new AuthError('missing_token', 'no access token was sent'), {
      ...context,
      requestId: 4,
    });
    expect(challenge.status).toBe(401);
    expect(challenge.headers['www-authenticate']).toBe(
      'Bearer resource_metadata="https://host/.well-known/oauth-protected-resource/mcp", scope="files:read files:list"',
    );
    expect(challenge.body).toEqual({
      jsonrpc: '2.0',
      id: 4,
      error: { code: -32001, message: 'Unauthorized', data: 'no access token was sent' },
    });
  });

  it('adds error="invalid_token" and a quoted description when a token was refused', () => {
    const challenge = createChallenge(new AuthError('invalid_token', 'token claim "aud" is "x"'), {
      ...context,
      realm: 'casdoor',
    });
    expect(challenge.status).toBe(401);
    expect(challenge.headers['www-authenticate']).toBe(
      'Bearer realm="casdoor", resource_metadata="https://host/.well-known/oauth-protected-resource/mcp", scope="files:read files:list", error="invalid_token", error_description="token claim \\"aud\\" is \\"x\\""',
    );
    expect(challenge.body.id).toBeNull();
  });

  it('answers insufficient scope with 403 and the granted plus needed scopes for step-up', () => {
    const data = {
      tool: 'write_file',
      required_scope: 'files:write',
      required_scopes: ['files:write'],
      granted_scopes: ['files:read'],
    };
    const error = new AuthError('insufficient_scope', 'tool "write_file" needs scope files:write', {
      requiredScopes: ['files:write'],
      grantedScopes: ['files:read', 'files:list'],
      data,
    });
    const challenge = createChallenge(error, { ...context, requestId: 'r1' });
    expect(challenge.status).toBe(403);
    expect(challenge.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="files:read files:list files:write", resource_metadata="https://host/.well-known/oauth-protected-resource/mcp", error_description="tool \\"write_file\\" needs scope files:write"',
    );
    expect(challenge.body).toEqual({
      jsonrpc: '2.0',
      id: 'r1',
      error: { code: -32001, message: 'insufficient_scope', data },
    });
  });

  it('answers a malformed request with 400, a rate limit with 429 and Retry-After, an outage with 503', () => {
    expect(createChallenge(new AuthError('invalid_request', 'two headers'), context)).toMatchObject(
      {
        status: 400,
        headers: { 'www-authenticate': expect.stringMatching(/^Bearer error="invalid_request"/) },
        body: { error: { code: -32600 } },
      },
    );
    expect(
      createChallenge(
        new AuthError('rate_limited', 'slow down', { retryAfterSeconds: 2.2 }),
        context,
      ),
    ).toMatchObject({
      status: 429,
      headers: { 'retry-after': '3' },
    });
    expect(createChallenge(new AuthError('unavailable', 'jwks down'), context)).toMatchObject({
      status: 503,
      body: { error: { data: 'jwks down' } },
    });
  });

  it('keeps header values on one line', () => {
    const challenge = createChallenge(
      new AuthError('invalid_token', 'line one\r\nline two'),
      context,
    );
    expect(challenge.headers['www-authenticate']).toContain(
      'error_description="line one line two"',
    );
  });
});
