import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, startAuthorizationServer } from './authorization-server.js';

const RESOURCE = 'http://127.0.0.1:9/mcp';

interface Metadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  introspection_endpoint: string;
  grant_types_supported: string[];
}
const getJson = async <T>(url: string) => (await (await fetch(url)).json()) as T;

describe('standard profile', () => {
  let server: AuthorizationServer;
  beforeAll(async () => {
    server = await startAuthorizationServer({ opaqueResources: ['urn:example:opaque'] });
  });
  afterAll(() => server.close());

  it('publishes discovery metadata naming its endpoints', async () => {
    const metadata = await getJson<Metadata>(server.discoveryUrl);
    expect(metadata.issuer).toBe(server.issuer);
    expect(metadata.jwks_uri).toBe(server.jwksUri);
    expect(metadata.token_endpoint).toBe(server.tokenEndpoint);
    expect(metadata.introspection_endpoint).toBe(server.introspectionEndpoint);
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(['client_credentials', 'authorization_code']),
    );
  });

  it('refuses anonymous dynamic client registration unless it is turned on', async () => {
    const register = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [] }),
      });
    expect((await register(server.registrationEndpoint)).status).toBeGreaterThanOrEqual(400);
    await using open = await startAuthorizationServer({ dynamicRegistration: true });
    const registered = await register(open.registrationEndpoint);
    expect(registered.status).toBe(201);
    expect(((await registered.json()) as { client_id?: string }).client_id).toBeTruthy();
  });

  it('issues RFC 9068 JWT access tokens for a resource through client credentials', async () => {
    const client = await server.registerClient();
    const response = await server.clientCredentialsToken({
      ...client,
      clientSecret: client.clientSecret!,
      scope: 'files:read',
      resource: RESOURCE,
    });
    expect(decodeProtectedHeader(response.access_token).typ).toBe('at+jwt');
    const { payload } = await jwtVerify(response.access_token, createLocalJWKSet(server.jwks()), {
      issuer: server.issuer,
      audience: RESOURCE,
    });
    expect(payload).toMatchObject({
      client_id: client.clientId,
      scope: 'files:read',
      aud: RESOURCE,
    });
  });

  it('runs the authorization code grant with PKCE and resource indicators, and refreshes', async () => {
    const client = await server.registerClient({
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['http://127.0.0.1/callback'],
    });
    const response = await server.authorizationCodeToken({
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      redirectUri: 'http://127.0.0.1/callback',
      scope: 'openid offline_access files:read files:write',
      resource: RESOURCE,
      subject: 'alice',
    });
    const claims = decodeJwt(response.access_token);
    expect(claims).toMatchObject({ sub: 'alice', aud: RESOURCE, client_id: client.clientId });
    expect(String(claims.scope).split(' ').sort()).toEqual(['files:read', 'files:write']);
    expect(response.refresh_token).toEqual(expect.any(String));

    const refreshed = await server.refreshToken({
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      refreshToken: response.refresh_token!,
      resource: RESOURCE,
    });
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ sub: 'alice', aud: RESOURCE });
  });

  it('introspects opaque tokens', async () => {
    const client = await server.registerClient();
    const { access_token } = await server.clientCredentialsToken({
      ...client,
      clientSecret: client.clientSecret!,
      scope: 'files:list',
      resource: 'urn:example:opaque',
    });
    expect(access_token.split('.')).toHaveLength(1);
    const answer = await fetch(server.introspectionEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: access_token }),
    });
    expect(await answer.json()).toMatchObject({
      active: true,
      scope: 'files:list',
      aud: 'urn:example:opaque',
      client_id: client.clientId,
    });
  });

  it('revokes opaque tokens (RFC 7009): they introspect as inactive at once', async () => {
    const client = await server.registerClient();
    const { access_token } = await server.clientCredentialsToken({
      ...client,
      clientSecret: client.clientSecret!,
      scope: 'files:list',
      resource: 'urn:example:opaque',
    });
    const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: basic };
    const revoked = await fetch(server.revocationEndpoint, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ token: access_token, token_type_hint: 'access_token' }),
    });
    expect(revoked.status).toBe(200);
    const answer = await fetch(server.introspectionEndpoint, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ token: access_token }),
    });
    expect(await answer.json()).toEqual({ active: false });
  });

  it('rotates keys, keeping the old one published until retired', async () => {
    const before = server.keys[0]!;
    const rotated = await server.rotateKeys();
    expect(server.jwks().keys.map((key) => key.kid)).toEqual([rotated.kid, before.kid]);
    const served = await getJson<{ keys: Array<{ kid: string }> }>(server.jwksUri);
    expect(served.keys.map((key) => key.kid)).toEqual([rotated.kid, before.kid]);
    const client = await server.registerClient();
    const { access_token } = await server.clientCredentialsToken({
      ...client,
      clientSecret: client.clientSecret!,
      resource: RESOURCE,
    });
    expect(decodeProtectedHeader(access_token).kid).toBe(rotated.kid);
  });

  it('counts requests and can play unreachable', async () => {
    const before = server.requestCount('/jwks');
    await fetch(server.jwksUri);
    expect(server.requestCount('/jwks')).toBe(before + 1);
    server.setReachable(false);
    await expect(fetch(server.jwksUri)).rejects.toThrow();
    server.setReachable(true);
    expect((await fetch(server.jwksUri)).status).toBe(200);
  });
});

describe('casdoor profile', () => {
  let server: AuthorizationServer;
  beforeAll(async () => {
    server = await startAuthorizationServer({ profile: 'casdoor' });
  });
  afterAll(() => server.close());

  it("serves Casdoor's paths", async () => {
    const metadata = await getJson<Metadata>(server.discoveryUrl);
    expect(new URL(metadata.token_endpoint).pathname).toBe('/api/login/oauth/access_token');
    expect(new URL(metadata.jwks_uri).pathname).toBe('/.well-known/jwks');
    expect(server.jwks().keys[0]!.kid).toBe('cert-built-in');
  });

  it('issues client-credentials tokens shaped as Casdoor does, aud = [client_id] whatever the resource', async () => {
    const client = await server.registerClient();
    const { access_token } = await server.clientCredentialsToken({
      ...client,
      clientSecret: client.clientSecret!,
      scope: 'application:read',
      resource: RESOURCE,
    });
    expect(decodeProtectedHeader(access_token)).toMatchObject({ typ: 'JWT', kid: 'cert-built-in' });
    const claims = decodeJwt(access_token);
    expect(claims).toMatchObject({
      aud: [client.clientId],
      azp: client.clientId,
      tokenType: 'access-token',
      scope: 'application:read',
      sub: `admin/${client.clientId}`,
    });
    expect(claims.client_id).toBeUndefined();
  });

  it('issues authorization-code tokens with aud = [resource]', async () => {
    const client = await server.registerClient({
      grantTypes: ['authorization_code'],
      redirectUris: ['http://127.0.0.1/cb'],
    });
    const { access_token } = await server.authorizationCodeToken({
      ...client,
      redirectUri: 'http://127.0.0.1/cb',
      scope: 'files:read',
      resource: RESOURCE,
      authMethod: 'client_secret_post',
    });
    expect(decodeJwt(access_token)).toMatchObject({ aud: [RESOURCE], tokenType: 'access-token' });
  });

  it('mints refresh tokens that look like access tokens but for tokenType', async () => {
    const token = await server.mintToken({ audience: RESOURCE, tokenType: 'refresh-token' });
    expect(decodeJwt(token)).toMatchObject({ tokenType: 'refresh-token', aud: [RESOURCE] });
  });
});

describe('disposal', () => {
  it('closes the server through Symbol.asyncDispose, as `await using` does', async () => {
    const server = await startAuthorizationServer();
    expect((await fetch(server.jwksUri)).status).toBe(200);
    await server[Symbol.asyncDispose]();
    await expect(fetch(server.jwksUri)).rejects.toThrow();
  });
});
