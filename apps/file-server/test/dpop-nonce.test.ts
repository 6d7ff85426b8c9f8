import { createServer } from 'node:net';
import {
  Client,
  DpopSession,
  StreamableHTTPClientTransport,
  withDpop,
} from '@modelcontextprotocol/client';
import {
  createIntrospectionVerifier,
  createPortcullis,
  createRegistry,
  defineTool,
} from '@portcullis/core';
import { parseChallenge } from '@portcullis/core/client';
import { type RunningHttpServer, startHttpServer } from '@portcullis/streamable-http';
import {
  type AuthorizationServer,
  createDpopKey,
  type DpopKey,
  dpopProof,
  startAuthorizationServer,
} from '@portcullis/testing';
import { attachWebSocketServer, WebSocketClientTransport } from '@portcullis/websocket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/**
 * A server with server-provided DPoP nonces on, whose opaque tokens are verified by
 * introspection (their binding comes from the answer's `cnf`).
 */
describe('DPoP nonces, and bound tokens verified by introspection', () => {
  let authorizationServer: AuthorizationServer;
  let http: RunningHttpServer;
  let websocketUrl: string;
  let client: { clientId: string; clientSecret: string };
  const ran: string[] = [];

  beforeAll(async () => {
    // The resource must be known before the authorization server starts: its tokens for it are opaque.
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    authorizationServer = await startAuthorizationServer({ opaqueResources: [resource] });
    const registered = await authorizationServer.registerClient();
    client = { clientId: registered.clientId, clientSecret: registered.clientSecret! };
    const resourceServer = await authorizationServer.registerClient();
    const note = defineTool({
      name: 'note',
      description: 'Records a note.',
      scopes: ['files:write'],
      input: z.object({ text: z.string() }),
      handler: async ({ text }) => {
        ran.push(text);
        return { content: [{ type: 'text', text: 'noted' }] };
      },
    });
    http = await startHttpServer({
      port,
      portcullis: () =>
        createPortcullis({
          resource,
          server: { name: 'nonces', version: '1.0.0' },
          registry: createRegistry({ tools: [note] }),
          verifier: createIntrospectionVerifier({
            issuer: authorizationServer.issuer,
            endpoint: authorizationServer.introspectionEndpoint,
            clientId: resourceServer.clientId,
            clientSecret: resourceServer.clientSecret!,
            audience: resource,
          }),
          authorizationServers: [authorizationServer.issuer],
          dpop: { mode: 'optional', nonces: true },
        }),
    });
    attachWebSocketServer(http.server, http.portcullis, { path: '/mcp/ws' });
    websocketUrl = http.url.replace(/^http/, 'ws').replace(/\/mcp$/, '/mcp/ws');
  });
  afterAll(async () => {
    await http.close();
    await authorizationServer.close();
  });

  /** An opaque token for this server's resource, bound to `key` when given. */
  const opaqueToken = (key: DpopKey | undefined) =>
    authorizationServer.clientCredentialsToken({
      ...client,
      scope: 'files:write',
      resource: http.url,
      dpop: key,
    });

  const call = (headers: Record<string, string>, text: string) =>
    fetch(http.url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'note', arguments: { text } },
      }),
    });

  it('HTTP: a proof without the nonce gets use_dpop_nonce with a DPoP-Nonce header; with it, the call runs', async () => {
    const key = await createDpopKey();
    const { access_token: token, token_type } = await opaqueToken(key);
    expect(token_type).toBe('DPoP');
    const proof = (nonce?: string) =>
      dpopProof(key, { method: 'POST', url: http.url, accessToken: token, nonce });

    const challenged = await call({ authorization: `DPoP ${token}`, dpop: await proof() }, 'a');
    expect(challenged.status).toBe(401);
    expect(parseChallenge(challenged.headers.get('www-authenticate'), 'DPoP')).toMatchObject({
      error: 'use_dpop_nonce',
      algs: expect.stringContaining('ES256'),
    });
    const nonce = challenged.headers.get('dpop-nonce');
    expect(nonce).toBeTruthy();
    expect(ran).not.toContain('a');

    const stale = await call(
      { authorization: `DPoP ${token}`, dpop: await proof('0.forged') },
      'b',
    );
    expect(stale.status).toBe(401);
    expect(parseChallenge(stale.headers.get('www-authenticate'), 'DPoP')?.error).toBe(
      'use_dpop_nonce',
    );
    expect(ran).not.toContain('b');

    const answered = await call({ authorization: `DPoP ${token}`, dpop: await proof(nonce!) }, 'c');
    expect(answered.status).toBe(200);
    expect(ran).toContain('c');
  });

  it('HTTP: the cnf of the introspection answer binds the token: as Bearer it is refused', async () => {
    const { access_token: token } = await opaqueToken(await createDpopKey());
    const refused = await call({ authorization: `Bearer ${token}` }, 'd');
    expect(refused.status).toBe(401);
    expect(parseChallenge(refused.headers.get('www-authenticate'), 'Bearer')).toMatchObject({
      error: 'invalid_token',
      error_description: expect.stringMatching(/DPoP-bound/),
    });
    expect(ran).not.toContain('d');
    // An unbound opaque token still works as Bearer (optional mode).
    const unbound = await opaqueToken(undefined);
    expect((await call({ authorization: `Bearer ${unbound.access_token}` }, 'e')).status).toBe(200);
  });

  it("HTTP: the official v2 client's withDpop answers the nonce challenge by itself", async () => {
    const session = await DpopSession.create();
    const response = await fetch(authorizationServer.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        dpop: await session.buildProof({ htm: 'POST', htu: authorizationServer.tokenEndpoint }),
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'files:write',
        resource: http.url,
      }),
    });
    const { access_token: token } = (await response.json()) as { access_token: string };
    const seen: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      const answer = await fetch(input, init);
      seen.push(answer.status);
      return answer;
    };
    const mcp = new Client({ name: 'nonce-v2', version: '1.0.0' });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        fetch: withDpop(session, () => token)(counting),
      }),
    );
    try {
      await mcp.callTool({ name: 'note', arguments: { text: 'v2' } });
      expect(ran).toContain('v2');
      // The first request met the nonce challenge; every later one carried the nonce.
      expect(seen[0]).toBe(401);
      expect(seen.slice(1)).not.toContain(401);
    } finally {
      await mcp.close();
    }
  });

  it('WebSocket: the upgrade asks for the nonce, the client transport retries with it, and re-authenticates with the nonce of the 101', async () => {
    const session = await DpopSession.create();
    const tokenFor = async () => {
      const response = await fetch(authorizationServer.tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
          dpop: await session.buildProof({ htm: 'POST', htu: authorizationServer.tokenEndpoint }),
        },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'files:write',
          resource: http.url,
        }),
      });
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const transport = new WebSocketClientTransport(websocketUrl, {
      token: await tokenFor(),
      dpop: session,
    });
    const mcp = new Client({ name: 'nonce-ws', version: '1.0.0' });
    await mcp.connect(transport);
    try {
      await mcp.callTool({ name: 'note', arguments: { text: 'ws' } });
      expect(ran).toContain('ws');
      const renewed = await transport.reauthenticate(await tokenFor());
      expect(renewed.dpopNonce).toBeTruthy();
      await mcp.callTool({ name: 'note', arguments: { text: 'ws-2' } });
      expect(ran).toContain('ws-2');
    } finally {
      await mcp.close();
    }
  });
});
