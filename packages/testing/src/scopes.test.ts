import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES, startAuthorizationServer } from './authorization-server.js';
import { TokenRequestError } from './token-requests.js';

const RESOURCE = 'http://127.0.0.1:9/mcp';

describe('scopes of the development authorization server', () => {
  it('refuses a scope it does not know, naming the scope and the option that adds it', async () => {
    await using server = await startAuthorizationServer();
    const client = await server.registerClient();
    const error = await server
      .clientCredentialsToken({
        clientId: client.clientId,
        clientSecret: client.clientSecret!,
        scope: 'files:read notes:read',
        resource: RESOURCE,
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenRequestError);
    const body = (error as TokenRequestError).body as { error: string; error_description: string };
    expect(body.error).toBe('invalid_scope');
    expect(body.error_description).toContain('"notes:read"');
    expect(body.error_description).toContain(
      "startAuthorizationServer({ scopes: [...DEFAULT_SCOPES, 'notes:read'] })",
    );
  });

  it('issues a scope added through `scopes`', async () => {
    await using server = await startAuthorizationServer({
      scopes: [...DEFAULT_SCOPES, 'notes:read'],
    });
    const client = await server.registerClient();
    const { access_token } = await server.clientCredentialsToken({
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      scope: 'notes:read files:read',
      resource: RESOURCE,
    });
    expect(String(decodeJwt(access_token).scope).split(' ').sort()).toEqual([
      'files:read',
      'notes:read',
    ]);
  });
});
