import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProtectedServer } from './fixtures.js';

/**
 * Replays the client of Casdoor's integration example: a client-credentials token, then plain
 * JSON POSTs with protocol 2024-11-05, `Accept: *\/*` as Python's requests sends it, and no
 * `Mcp-Session-Id` ever. The default (stateless) configuration must serve it.
 */
async function plainPost(url: string, token: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: '*/*',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

async function replaySeedFlow(url: string, token: string) {
  const init = await plainPost(url, token, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: '2024-11-05',
      capabilities: {},
      clientInfo: { name: 'python-client', version: '1.0.0' },
    },
  });
  const initialized = await plainPost(url, token, {
    jsonrpc: '2.0',
    method: 'notifications/initialized',
  });
  const list = await plainPost(url, token, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  const call = await plainPost(url, token, {
    jsonrpc: '2.0',
    id: 3,
    method: 'tools/call',
    params: { name: 'write_file', arguments: { path: 'automated.txt' } },
  });
  return { init, initialized, list, call };
}

describe("the plain JSON client of Casdoor's example, against the default configuration", () => {
  for (const profile of ['standard', 'casdoor'] as const) {
    describe(`${profile} authorization server`, () => {
      let as: AuthorizationServer;
      beforeAll(async () => {
        as = await startAuthorizationServer({ profile });
      });
      afterAll(() => as.close());

      it('initializes, lists what its scopes allow, and reads the insufficient_scope error from the body', async () => {
        const client = await as.registerClient();
        const server = await startProtectedServer(as, { audiences: [client.clientId] });
        try {
          const { access_token } = await as.clientCredentialsToken({
            clientId: client.clientId,
            clientSecret: client.clientSecret!,
            scope: 'files:read',
            resource: server.url,
          });
          const { init, initialized, list, call } = await replaySeedFlow(server.url, access_token);

          expect(init.status).toBe(200);
          expect(init.json.result).toMatchObject({
            protocolVersion: '2024-11-05',
            serverInfo: { name: 'test-files' },
          });
          expect([initialized.status, initialized.text]).toEqual([202, '']);
          expect(list.status).toBe(200);
          expect(list.json.result.tools.map((tool: { name: string }) => tool.name)).toEqual([
            'read_file',
            'whoami',
            'slow',
          ]);

          expect(call.status).toBe(403);
          const { error } = call.json;
          expect(error.code === -32001 && error.message === 'insufficient_scope').toBe(true);
          expect(error.data).toEqual({
            tool: 'write_file',
            required_scope: 'files:write',
            required_scopes: ['files:write'],
            granted_scopes: ['files:read'],
          });
          expect(call.json.id).toBe(3);
        } finally {
          await server.close();
        }
      });
    });
  }
});
