import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationServer, startAuthorizationServer } from './authorization-server.js';
import { createDpopKey, dpopProof } from './dpop-keys.js';

const RESOURCE = 'http://127.0.0.1:9/mcp';
const OPAQUE = 'urn:example:opaque';

describe('DPoP-bound tokens from the development authorization server', () => {
  let server: AuthorizationServer;
  let client: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    server = await startAuthorizationServer({ opaqueResources: [OPAQUE] });
    const registered = await server.registerClient();
    client = { clientId: registered.clientId, clientSecret: registered.clientSecret! };
  });
  afterAll(() => server.close());

  it('binds a client-credentials JWT to the key of the proof (cnf.jkt, token_type DPoP)', async () => {
    const key = await createDpopKey();
    const response = await server.clientCredentialsToken({
      ...client,
      scope: 'files:read',
      resource: RESOURCE,
      dpop: key,
    });
    expect(response.token_type).toBe('DPoP');
    const { payload } = await jwtVerify(response.access_token, createLocalJWKSet(server.jwks()), {
      issuer: server.issuer,
      audience: RESOURCE,
    });
    expect(payload.cnf).toEqual({ jkt: key.thumbprint });
  });

  it('issues unbound Bearer tokens without a proof, as before', async () => {
    const response = await server.clientCredentialsToken({ ...client, resource: RESOURCE });
    expect(response.token_type).toBe('Bearer');
    expect(decodeProtectedHeader(response.access_token).typ).toBe('at+jwt');
  });

  it('names the key in the introspection answer of an opaque bound token', async () => {
    const key = await createDpopKey('EdDSA');
    const { access_token } = await server.clientCredentialsToken({
      ...client,
      resource: OPAQUE,
      dpop: key,
    });
    const answer = (await (
      await fetch(server.introspectionEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token: access_token }),
      })
    ).json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ active: true, cnf: { jkt: key.thumbprint } });
  });

  it('refuses a token request whose proof names another URL', async () => {
    const key = await createDpopKey();
    const proof = await dpopProof(key, { method: 'POST', url: `${server.issuer}/elsewhere` });
    const response = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        dpop: proof,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_dpop_proof');
  });
});
