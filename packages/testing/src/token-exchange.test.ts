import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, startAuthorizationServer } from './authorization-server.js';
import { createDpopKey, dpopProof } from './dpop-keys.js';
import { TOKEN_EXCHANGE_GRANT } from './token-exchange-grant.js';

const MCP = 'http://127.0.0.1:9/mcp';
const DOWNSTREAM = 'https://inventory.example/api';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const REDIRECT = 'http://127.0.0.1/callback';

type Client = { clientId: string; clientSecret: string };

async function exchange(
  server: AuthorizationServer,
  client: Client,
  fields: Record<string, string>,
  options: { post?: boolean; headers?: Record<string, string> } = {},
) {
  const body = new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, ...fields });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    ...options.headers,
  };
  if (options.post) {
    body.set('client_id', client.clientId);
    body.set('client_secret', client.clientSecret);
  } else {
    headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  }
  const response = await fetch(server.tokenEndpoint, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function userToken(server: AuthorizationServer, scope: string, subject = 'alice') {
  const app = await server.registerClient({
    grantTypes: ['authorization_code'],
    redirectUris: [REDIRECT],
  });
  const answer = await server.authorizationCodeToken({
    clientId: app.clientId,
    clientSecret: app.clientSecret!,
    redirectUri: REDIRECT,
    scope,
    resource: MCP,
    subject,
  });
  return { token: answer.access_token, app };
}

describe('token exchange (RFC 8693) on the development authorization server', () => {
  let server: AuthorizationServer;
  let mcpServer: Client;
  let subjectToken: string;
  beforeAll(async () => {
    server = await startAuthorizationServer({
      exchangeTargets: { [DOWNSTREAM]: ['inventory:read', 'inventory:write'] },
    });
    const registered = await server.registerClient({
      grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT],
    });
    mcpServer = { clientId: registered.clientId, clientSecret: registered.clientSecret! };
    subjectToken = (await userToken(server, 'files:read')).token;
  }, 60_000);
  afterAll(() => server.close());

  it('advertises the grant in discovery', async () => {
    const metadata = (await (await fetch(server.discoveryUrl)).json()) as {
      grant_types_supported: string[];
    };
    expect(metadata.grant_types_supported).toContain(TOKEN_EXCHANGE_GRANT);
  });

  it("issues a token for the target's audience, the caller's subject and the exchanging client", async () => {
    const { status, body } = await exchange(server, mcpServer, {
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN,
      requested_token_type: ACCESS_TOKEN,
      resource: DOWNSTREAM,
      scope: 'inventory:read',
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      issued_token_type: ACCESS_TOKEN,
      scope: 'inventory:read',
    });
    const { payload } = await jwtVerify(
      body.access_token as string,
      createLocalJWKSet(server.jwks()),
      { issuer: server.issuer, audience: DOWNSTREAM },
    );
    expect(payload).toMatchObject({ sub: 'alice', client_id: mcpServer.clientId });
    expect(body.access_token).not.toBe(subjectToken);
  });

  it('names the actor of a delegation in the act claim', async () => {
    const actor = await server.clientCredentialsToken({ ...mcpServer, resource: MCP });
    const { body } = await exchange(server, mcpServer, {
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN,
      actor_token: actor.access_token,
      actor_token_type: ACCESS_TOKEN,
      audience: DOWNSTREAM,
    });
    expect(decodeJwt(body.access_token as string)).toMatchObject({
      sub: 'alice',
      act: { sub: mcpServer.clientId },
      scope: 'inventory:read inventory:write',
    });
  });

  it('binds the issued token to the DPoP key of the request', async () => {
    const key = await createDpopKey();
    const { body } = await exchange(
      server,
      mcpServer,
      { subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, resource: DOWNSTREAM },
      { headers: { dpop: await dpopProof(key, { method: 'POST', url: server.tokenEndpoint }) } },
    );
    expect(body.token_type).toBe('DPoP');
    expect(decodeJwt(body.access_token as string).cnf).toEqual({ jkt: key.thumbprint });
  });

  it.each([
    ['an unknown target', { resource: 'https://elsewhere.example' }, 'invalid_target'],
    [
      'a scope the target does not have',
      { resource: DOWNSTREAM, scope: 'files:read' },
      'invalid_scope',
    ],
    [
      'a forged subject token',
      { resource: DOWNSTREAM, subject_token: `${'x'.repeat(20)}.e30.x` },
      'invalid_grant',
    ],
    ['no subject token', { resource: DOWNSTREAM, subject_token: '' }, 'invalid_request'],
    [
      'an id-token type',
      { resource: DOWNSTREAM, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' },
      'invalid_request',
    ],
  ])('refuses %s', async (_name, fields, error) => {
    const { status, body } = await exchange(server, mcpServer, {
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN,
      ...fields,
    });
    expect(status).toBe(400);
    expect(body.error).toBe(error);
    expect(typeof body.error_description).toBe('string');
  });

  it('refuses a client without the grant: unauthorized_client', async () => {
    const other = await server.registerClient();
    const { status, body } = await exchange(
      server,
      { clientId: other.clientId, clientSecret: other.clientSecret! },
      { subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, resource: DOWNSTREAM },
    );
    expect(status).toBe(400);
    expect(body.error).toBe('unauthorized_client');
  });
});

describe('token exchange in the Casdoor profile', () => {
  let server: AuthorizationServer;
  let app: Client;
  let subjectToken: string;
  beforeAll(async () => {
    server = await startAuthorizationServer({ profile: 'casdoor' });
    const registered = await server.registerClient({
      grantTypes: ['authorization_code', TOKEN_EXCHANGE_GRANT],
      redirectUris: [REDIRECT],
    });
    app = { clientId: registered.clientId, clientSecret: registered.clientSecret! };
    const answer = await server.authorizationCodeToken({
      ...app,
      redirectUri: REDIRECT,
      scope: 'read',
      resource: MCP,
      subject: 'built-in/alice',
    });
    subjectToken = answer.access_token;
  }, 60_000);
  afterAll(() => server.close());

  it("answers in Casdoor's shape: a down-scoped token for the same application", async () => {
    const { status, body } = await exchange(
      server,
      app,
      {
        subject_token: subjectToken,
        subject_token_type: ACCESS_TOKEN,
        audience: app.clientId,
        scope: 'application:read',
      },
      { post: true },
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      refresh_token: '',
      scope: 'application:read',
    });
    expect(body).not.toHaveProperty('issued_token_type');
    const claims = decodeJwt(body.access_token as string);
    expect(claims).toMatchObject({
      aud: [app.clientId],
      azp: app.clientId,
      sub: 'built-in/alice',
      tokenType: 'access-token',
    });
    expect(claims).not.toHaveProperty('client_id');
  });

  it.each([
    [
      'another audience',
      { audience: 'other-app' },
      'invalid_target',
      'audience must identify the requesting application',
    ],
    [
      'a scope outside the grant',
      { scope: 'user:write' },
      'invalid_scope',
      'requested scope "user:write" is not in the subject token grant',
    ],
    ['no subject token', { subject_token: '' }, 'invalid_request', 'subject_token is required'],
    [
      'a jwt token type',
      { subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' },
      'invalid_request',
      'unsupported subject_token_type: urn:ietf:params:oauth:token-type:jwt',
    ],
  ])('refuses %s as Casdoor does', async (_name, fields, error, description) => {
    const { status, body } = await exchange(
      server,
      app,
      { subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, ...fields },
      { post: true },
    );
    expect(status).toBe(400);
    expect(body).toEqual({ error, error_description: description });
  });

  it('refuses an application without the grant with unsupported_grant_type', async () => {
    const other = await server.registerClient();
    const { body } = await exchange(
      server,
      { clientId: other.clientId, clientSecret: other.clientSecret! },
      { subject_token: subjectToken, subject_token_type: ACCESS_TOKEN },
      { post: true },
    );
    expect(body).toEqual({
      error: 'unsupported_grant_type',
      error_description: 'token exchange is not enabled for this application',
    });
  });
});
