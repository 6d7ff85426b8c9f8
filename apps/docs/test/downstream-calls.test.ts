import { createHash } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createDpopKey, dpopProof, PROFILE_ROUTES } from '@portcullis/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ExampleOptions,
  INVENTORY,
  main,
  startExample,
  userToken,
} from '../samples/downstream-calls.js';

type Example = Awaited<ReturnType<typeof startExample>>;
const hash = (token: string) => createHash('sha256').update(token).digest('base64url');
const text = (result: { content?: unknown }) =>
  (result.content as Array<{ type: string; text: string }>)[0]!.text;

async function connect(url: string, token: string, fetchImpl?: typeof fetch) {
  const mcp = new Client({ name: 'downstream-test', version: '1.0.0' });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
      ...(fetchImpl && { fetch: fetchImpl }),
    }),
  );
  return mcp;
}

const exchanges = ({ as }: Example) => as.requestCount(PROFILE_ROUTES.standard.token);

// Each test starts an authorization server, the API and the MCP server: generous on a busy machine.
describe('calling a downstream API through token exchange (the docs sample)', {
  timeout: 60_000,
}, () => {
  let example: Example | undefined;
  afterEach(async () => {
    await example?.close();
    example = undefined;
  });

  it('main(): the inventory API sees its own audience, the caller as subject, the MCP server as client', async () => {
    const answer = JSON.parse(await main());
    expect(answer).toMatchObject({
      sku: 'apple',
      inStock: 7,
      seenAs: { subject: 'alice', audience: INVENTORY, dpopKey: null },
    });
    expect(answer.seenAs.client).toMatch(/^client-/);
  });

  it('never sends the inbound token downstream, and the API refuses it when passed through (401)', async () => {
    example = await startExample();
    const inbound = await userToken(example);
    const mcp = await connect(example.server.url, inbound);
    const result = await mcp.callTool({ name: 'check_stock', arguments: { sku: 'pear' } });
    await mcp.close();
    expect(JSON.parse(text(result)).seenAs).toMatchObject({
      subject: 'alice',
      audience: INVENTORY,
    });
    expect(example.api.received).toHaveLength(1);
    expect(example.api.received).not.toContain(hash(inbound));

    // Passthrough: the caller's own token, sent straight to the API, is not for its audience.
    const passthrough = await fetch(`${example.api.url}/stock/pear`, {
      headers: { authorization: `Bearer ${inbound}` },
    });
    expect(passthrough.status).toBe(401);
    expect(await passthrough.json()).toEqual({ error: 'invalid_token' });
  });

  it('reuses the exchanged token for the same caller, audience and scope (one token request)', async () => {
    example = await startExample();
    const inbound = await userToken(example);
    const before = exchanges(example);
    const mcp = await connect(example.server.url, inbound);
    for (const sku of ['a', 'b', 'c'])
      await mcp.callTool({ name: 'check_stock', arguments: { sku } });
    await mcp.close();
    expect(exchanges(example) - before).toBe(1);
    expect(example.api.received).toHaveLength(3);
    expect(new Set(example.api.received).size).toBe(1);
  });

  it.each<[string, ExampleOptions, RegExp, number]>([
    [
      'a scope not configured for the audience: refused before any request',
      { tokenExchange: { allowed: { [INVENTORY]: ['inventory:write'] } } },
      /^scope inventory:read is not allowed for inventory-api by this server's configuration$/,
      0,
    ],
    [
      'an audience the authorization server does not exchange for: invalid_target',
      { exchangeTargets: {} },
      /^the authorization server refused the token exchange \(HTTP 400, invalid_target\): no token exchange for inventory-api$/,
      1,
    ],
    [
      'a scope the authorization server does not grant there: invalid_scope',
      { exchangeTargets: { [INVENTORY]: ['inventory:write'] } },
      /\(HTTP 400, invalid_scope\): scope "inventory:read" is not available for inventory-api$/,
      1,
    ],
    [
      'an MCP server client without the grant: unauthorized_client',
      { exchangeGrant: false },
      /\(HTTP 400, unauthorized_client\): this client may not use token exchange$/,
      1,
    ],
  ])(
    '%s: a clear tool error, nothing sent downstream',
    async (_name, options, message, requests) => {
      example = await startExample(options);
      const inbound = await userToken(example);
      const before = exchanges(example);
      const mcp = await connect(example.server.url, inbound);
      const result = await mcp.callTool({ name: 'check_stock', arguments: { sku: 'x' } });
      await mcp.close();
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(message);
      expect(text(result)).not.toContain(inbound);
      expect(exchanges(example) - before).toBe(requests);
      expect(example.api.received).toHaveLength(0);
    },
  );

  it("a DPoP-bound caller: the exchange and the downstream call use the server's own key", async () => {
    example = await startExample({ dpop: true });
    const key = await createDpopKey();
    // A DPoP-bound token for the MCP server (client credentials: the caller is a client).
    const caller = await example.as.registerClient();
    const { access_token: inbound, token_type } = await example.as.clientCredentialsToken({
      clientId: caller.clientId,
      clientSecret: caller.clientSecret!,
      scope: 'stock:check',
      resource: example.server.url,
      dpop: key,
    });
    expect(token_type).toBe('DPoP');
    const dpopFetch: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `DPoP ${inbound}`);
      headers.set(
        'dpop',
        await dpopProof(key, {
          method: init?.method ?? 'GET',
          url: String(input),
          accessToken: inbound,
        }),
      );
      return fetch(input, { ...init, headers });
    };
    const mcp = await connect(example.server.url, inbound, dpopFetch);
    const result = await mcp.callTool({ name: 'check_stock', arguments: { sku: 'kiwi' } });
    await mcp.close();
    const { seenAs } = JSON.parse(text(result));
    expect(seenAs).toMatchObject({
      subject: caller.clientId,
      audience: INVENTORY,
      client: example.mcpClient.clientId,
    });
    // Bound, and proven, with a key that is not the caller's: the MCP server's own.
    expect(seenAs.dpopKey).toEqual(expect.any(String));
    expect(seenAs.dpopKey).not.toBe(key.thumbprint);
    expect(example.api.received).not.toContain(hash(inbound));
  });
});
