import {
  type AuthorizationServer,
  type RegisteredClient,
  startAuthorizationServer,
} from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  createIntrospectionVerifier,
  type IntrospectionCacheEntry,
  type IntrospectionVerifierOptions,
} from '../src/index.js';
import { createClock } from './helpers.js';

const OPAQUE_RESOURCE = 'https://opaque.example.test/mcp';

describe('introspection (RFC 7662) against a real authorization server', () => {
  let as: AuthorizationServer;
  let resourceServer: RegisteredClient;
  let caller: RegisteredClient;
  const verifierFor = (options: Partial<IntrospectionVerifierOptions> = {}) =>
    createIntrospectionVerifier({
      issuer: as.issuer,
      clientId: resourceServer.clientId,
      clientSecret: resourceServer.clientSecret!,
      audience: OPAQUE_RESOURCE,
      ...options,
    });
  const opaqueToken = async (scope: string, resource = OPAQUE_RESOURCE) =>
    (
      await as.clientCredentialsToken({
        clientId: caller.clientId,
        clientSecret: caller.clientSecret!,
        scope,
        resource,
      })
    ).access_token;

  beforeAll(async () => {
    as = await startAuthorizationServer({
      opaqueResources: [OPAQUE_RESOURCE, 'https://other.example.test/mcp'],
    });
    resourceServer = await as.registerClient();
    caller = await as.registerClient();
  });
  afterAll(() => as.close());

  it('accepts an active opaque token, found through discovery, with HTTP Basic', async () => {
    const token = await opaqueToken('files:read files:list');
    expect(token.split('.')).toHaveLength(1);
    const auth = await verifierFor().verify(token);
    expect(auth).toMatchObject({
      issuer: as.issuer,
      clientId: caller.clientId,
      subject: caller.clientId,
      scopes: ['files:read', 'files:list'],
    });
  });

  it('authenticates in the form body when asked (Casdoor style)', async () => {
    const post = await as.registerClient({ tokenEndpointAuthMethod: 'client_secret_post' });
    const verifier = createIntrospectionVerifier({
      issuer: as.issuer,
      endpoint: as.introspectionEndpoint,
      clientId: post.clientId,
      clientSecret: post.clientSecret!,
      clientAuthMethod: 'client_secret_post',
      audience: OPAQUE_RESOURCE,
    });
    expect((await verifier.verify(await opaqueToken('files:read'))).scopes).toEqual(['files:read']);
  });

  it('refuses inactive tokens, other audiences, and unknown resource-server credentials', async () => {
    await expect(verifierFor().verify('made-up-token')).rejects.toThrow('token is not active');
    await expect(
      verifierFor().verify(await opaqueToken('files:read', 'https://other.example.test/mcp')),
    ).rejects.toThrow(/is not accepted here/);
    const error = await verifierFor({ clientSecret: 'wrong' })
      .verify(await opaqueToken('files:read'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe('unavailable');
    expect((error as AuthError).message).toMatch(/answered HTTP 401/);
  });

  it('caches active answers briefly, keyed by token hash, and never past exp', async () => {
    const clock = createClock();
    const verifier = verifierFor({ cacheSeconds: 30, now: clock.now });
    const token = await opaqueToken('files:read');
    const before = as.requestCount(new URL(as.introspectionEndpoint).pathname);
    await verifier.verify(token);
    await verifier.verify(token);
    expect(as.requestCount(new URL(as.introspectionEndpoint).pathname) - before).toBe(1);
    clock.advance(30_000);
    await verifier.verify(token);
    expect(as.requestCount(new URL(as.introspectionEndpoint).pathname) - before).toBe(2);
    clock.advance(2 * 3600_000);
    await expect(verifier.verify(token)).rejects.toThrow('token has expired');
  });

  it('shares answers through a cache store, until the first answer lapses; a failing store is a miss', async () => {
    const clock = createClock();
    const entries = new Map<string, IntrospectionCacheEntry>();
    const store = {
      get: async (key: string) => entries.get(key),
      set: async (key: string, entry: IntrospectionCacheEntry) => void entries.set(key, entry),
    };
    const path = new URL(as.introspectionEndpoint).pathname;
    const token = await opaqueToken('files:read');
    const before = as.requestCount(path);
    await verifierFor({ cacheSeconds: 30, now: clock.now, cacheStore: store }).verify(token);
    expect([...entries.values()][0]?.expiresAtMs).toBe(clock.now() + 30_000);
    expect(JSON.stringify([...entries.entries()])).not.toContain(token);
    clock.advance(10_000);
    const other = verifierFor({ cacheSeconds: 30, now: clock.now, cacheStore: store });
    expect((await other.verify(token)).scopes).toEqual(['files:read']);
    expect(as.requestCount(path) - before).toBe(1);
    clock.advance(20_000);
    await other.verify(token);
    expect(as.requestCount(path) - before).toBe(2);
    const broken = {
      get: async () => Promise.reject(new Error('store down')),
      set: async () => Promise.reject(new Error('store down')),
    };
    await verifierFor({ cacheStore: broken }).verify(token);
    expect(as.requestCount(path) - before).toBe(3);
  });

  it('fails closed when the authorization server is unreachable', async () => {
    const token = await opaqueToken('files:read');
    as.setReachable(false);
    try {
      const error = await verifierFor({ endpoint: as.introspectionEndpoint })
        .verify(token)
        .catch((e: unknown) => e);
      expect((error as AuthError).code).toBe('unavailable');
    } finally {
      as.setReachable(true);
    }
  });
});
