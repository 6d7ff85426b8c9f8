import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  createJwtVerifier,
  createMemoryRateLimiter,
  createPortcullis,
  createRegistry,
} from '../src/index.js';
import { admittedAuth, readWriteRegistry, refusalOf, requestEntry } from './helpers.js';

const RESOURCE = 'https://mcp.example.test/mcp';

describe('createPortcullis', () => {
  let as: AuthorizationServer;
  const events: AuditEvent[] = [];
  let portcullis: ReturnType<typeof createPortcullis>;

  beforeAll(async () => {
    as = await startAuthorizationServer();
    portcullis = createPortcullis({
      resource: RESOURCE,
      server: { name: 'files', version: '1.0.0' },
      registry: readWriteRegistry(),
      verifier: createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE }),
      authorizationServers: [as.issuer],
      audit: (event) => events.push(event),
      rateLimiter: createMemoryRateLimiter({ limit: 5, windowMs: 60_000 }),
    });
  });
  afterAll(() => as.close());

  it('publishes metadata at the path-aware well-known URL, scopes from the registry', () => {
    expect(portcullis.metadata).toEqual({
      url: 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp',
      path: '/.well-known/oauth-protected-resource/mcp',
      document: {
        resource: RESOURCE,
        authorization_servers: [as.issuer],
        scopes_supported: ['files:read', 'files:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'files',
      },
    });
  });

  it('authenticates an Authorization header into an AuthInfo', async () => {
    const token = await as.mintToken({
      audience: RESOURCE,
      subject: 'carol',
      scopes: ['files:read'],
    });
    expect(admittedAuth(await portcullis.admit(requestEntry(`Bearer ${token}`)))).toMatchObject({
      subject: 'carol',
      scopes: ['files:read'],
    });
  });

  it('turns failures into audited challenges that never carry the token', async () => {
    events.length = 0;
    const expired = await as.mintToken({ audience: RESOURCE, expiresIn: -600 });
    const error = refusalOf(await portcullis.admit(requestEntry(`Bearer ${expired}`)));
    const challenge = portcullis.challenge(error, 7);
    expect(challenge.status).toBe(401);
    expect(challenge.headers['www-authenticate']).toBe(
      'Bearer resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp", scope="files:read files:write", error="invalid_token", error_description="token has expired"',
    );
    const missing = refusalOf(
      await portcullis.admit(requestEntry(undefined, { transport: 'websocket' })),
    );
    expect(portcullis.challenge(missing).headers['www-authenticate']).not.toContain('error=');
    expect(events).toEqual([
      {
        type: 'authentication_failed',
        code: 'invalid_token',
        reason: 'token has expired',
        transport: 'streamable-http',
      },
      {
        type: 'authentication_failed',
        code: 'missing_token',
        reason: expect.any(String),
        transport: 'websocket',
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(expired);
  });

  it('refuses a call before any server sees it with a step-up challenge', async () => {
    const auth = admittedAuth(
      await portcullis.admit(
        requestEntry(
          `Bearer ${await as.mintToken({ audience: RESOURCE, scopes: ['files:read'] })}`,
        ),
      ),
    )!;
    const denial = portcullis.authorize(
      { method: 'tools/call', params: { name: 'write_file' } },
      auth,
      'test',
    )!;
    const challenge = portcullis.challenge(denial, 3);
    expect(challenge.status).toBe(403);
    expect(challenge.headers['www-authenticate']).toMatch(
      /^Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="/,
    );
    expect(challenge.body.error).toEqual({
      code: -32001,
      message: 'insufficient_scope',
      data: {
        tool: 'write_file',
        required_scope: 'files:write',
        required_scopes: ['files:write'],
        granted_scopes: ['files:read'],
      },
    });
    expect(
      portcullis.authorize({ method: 'tools/call', params: { name: 'read_file' } }, auth),
    ).toBeUndefined();
    expect(portcullis.authorize({ method: 'tools/list' }, auth)).toBeUndefined();
    expect(events.at(-1)).toEqual({
      type: 'access_denied',
      kind: 'tool',
      target: 'write_file',
      issuer: as.issuer,
      subject: 'dev-user',
      clientId: 'dev-client',
      missingScopes: ['files:write'],
      transport: 'test',
    });
  });

  it('rate-limits per identity, not per token', async () => {
    events.length = 0;
    const limited = createPortcullis({
      resource: RESOURCE,
      server: { name: 'files', version: '1.0.0' },
      registry: createRegistry({}),
      verifier: createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE }),
      authorizationServers: [as.issuer],
      audit: (event) => events.push(event),
      rateLimiter: createMemoryRateLimiter({ limit: 2, windowMs: 60_000 }),
    });
    const first = await as.mintToken({ audience: RESOURCE, subject: 'dave' });
    const refreshed = await as.mintToken({ audience: RESOURCE, subject: 'dave' });
    admittedAuth(await limited.admit(requestEntry(`Bearer ${first}`)));
    admittedAuth(await limited.admit(requestEntry(`Bearer ${refreshed}`)));
    const error = refusalOf(await limited.admit(requestEntry(`Bearer ${first}`)));
    expect(error.code).toBe('rate_limited');
    expect(limited.challenge(error).status).toBe(429);
    admittedAuth(
      await limited.admit(
        requestEntry(`Bearer ${await as.mintToken({ audience: RESOURCE, subject: 'erin' })}`),
      ),
    );
    expect(events).toEqual([
      {
        type: 'rate_limited',
        issuer: as.issuer,
        subject: 'dave',
        clientId: 'dev-client',
        transport: 'streamable-http',
      },
    ]);
  });

  it('insists on authorization servers unless authorization is explicitly off', () => {
    const base = {
      resource: RESOURCE,
      server: { name: 's', version: '1' },
      registry: createRegistry({}),
    };
    expect(() =>
      createPortcullis({
        ...base,
        verifier: {
          verify: async () => {
            throw new Error();
          },
        },
      }),
    ).toThrow(/authorizationServers/);
    expect(createPortcullis({ ...base, verifier: false }).requiresAuth).toBe(false);
  });
});
