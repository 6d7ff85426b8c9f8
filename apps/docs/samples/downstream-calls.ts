import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  AuthError,
  createJwtVerifier,
  createPortcullis,
  createRegistry,
  defineTool,
  type TokenExchangeOptions,
} from '@portcullis/core';
import { createDpopPolicy, readAccessToken } from '@portcullis/core/adapter';
import { startHttpServer } from '@portcullis/streamable-http';
import {
  DEFAULT_SCOPES,
  startAuthorizationServer,
  TOKEN_EXCHANGE_GRANT,
} from '@portcullis/testing';
import { z } from 'zod';

/** The downstream API's audience: its own, not the MCP server's. */
export const INVENTORY = 'inventory-api';

// #region api
/**
 * A downstream HTTP API that knows nothing of MCP: it accepts only tokens issued for its own
 * audience, with its own scope, verified with `@portcullis/core` (DPoP-bound ones with a proof).
 */
export async function startInventoryApi(issuer: string) {
  const verifier = createJwtVerifier({ issuers: [issuer], audience: INVENTORY });
  const dpop = createDpopPolicy({ mode: 'optional' })!;
  /** SHA-256 of every token received: an access log that never holds a token. */
  const received: string[] = [];
  const server = createServer(async (req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const credential = readAccessToken(req.headers.authorization);
      received.push(createHash('sha256').update(credential.token).digest('base64url'));
      const auth = await dpop.bind(await verifier.verify(credential.token), credential, {
        dpop: req.headers.dpop,
        method: req.method,
        url: `http://${req.headers.host}${req.url}`,
      });
      if (!auth.scopes.includes('inventory:read'))
        return answer(403, { error: 'insufficient_scope', scope: 'inventory:read' });
      const sku = new URL(req.url ?? '/', 'http://api').pathname.split('/').pop();
      return answer(200, {
        sku,
        inStock: 7,
        seenAs: {
          subject: auth.subject,
          audience: auth.claims.aud,
          client: auth.clientId,
          actor: auth.claims.act,
          dpopKey: auth.dpopThumbprint ?? null,
        },
      });
    } catch (error) {
      return answer(401, { error: error instanceof AuthError ? error.code : 'invalid_request' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((done) => server.close(() => done())) };
}
// #endregion api

// #region tool
/** An MCP tool that calls the inventory API on behalf of its caller, through token exchange. */
export const checkStock = (apiUrl: string) =>
  defineTool({
    name: 'check_stock',
    description: 'How many of an item are in stock.',
    scopes: ['stock:check'],
    input: z.object({ sku: z.string() }),
    requireAuth: true,
    handler: async ({ sku }, { exchange }) => {
      // A token for the inventory API, for this caller; never the caller's own token.
      const token = await exchange({ audience: INVENTORY, scope: 'inventory:read' });
      const response = await token.fetch(`${apiUrl}/stock/${encodeURIComponent(sku)}`);
      if (!response.ok)
        return {
          content: [{ type: 'text', text: `inventory API: HTTP ${response.status}` }],
          isError: true,
        };
      return { content: [{ type: 'text', text: await response.text() }] };
    },
  });
// #endregion tool

/** Options of {@link startExample}, for the tests: what each side is configured with. */
export interface ExampleOptions {
  dpop?: boolean;
  tokenExchange?: Partial<TokenExchangeOptions>;
  /** What the authorization server exchanges for. Default: the inventory API's two scopes. */
  exchangeTargets?: Record<string, string[]>;
  /** Whether the MCP server's client may use token exchange. Default true. */
  exchangeGrant?: boolean;
}

/** The development authorization server, the inventory API and the MCP server, wired up. */
export async function startExample(options: ExampleOptions = {}) {
  const as = await startAuthorizationServer({
    scopes: [...DEFAULT_SCOPES, 'stock:check'],
    exchangeTargets: options.exchangeTargets ?? {
      [INVENTORY]: ['inventory:read', 'inventory:write'],
    },
  });
  const api = await startInventoryApi(as.issuer);
  // The MCP server's own client, allowed to exchange tokens.
  const mcpClient = await as.registerClient({
    grantTypes:
      options.exchangeGrant === false
        ? ['client_credentials']
        : ['client_credentials', TOKEN_EXCHANGE_GRANT],
  });
  const server = await startHttpServer({
    port: 0,
    portcullis: ({ port }) => {
      const resource = `http://127.0.0.1:${port}/mcp`;
      // #region server
      return createPortcullis({
        resource,
        server: { name: 'shop', version: '1.0.0' },
        registry: createRegistry({ tools: [checkStock(api.url)] }),
        verifier: createJwtVerifier({ issuers: [as.issuer], audience: resource }),
        authorizationServers: [as.issuer],
        tokenExchange: {
          clientId: mcpClient.clientId,
          clientAuthentication: mcpClient.clientSecret!, // or { method: 'private_key_jwt', … }
          allowed: { [INVENTORY]: ['inventory:read'] }, // audience → scopes it may ask for
          ...options.tokenExchange,
        },
        ...(options.dpop && { dpop: { mode: 'optional' as const } }),
      });
      // #endregion server
    },
  });
  const close = async () => {
    await server.close();
    await api.close();
    await as.close();
  };
  return { as, api, server, mcpClient, close };
}

/** Alice's token for the MCP server, as an MCP client gets it when she signs in. */
export async function userToken({ as, server }: Awaited<ReturnType<typeof startExample>>) {
  const app = await as.registerClient({
    grantTypes: ['authorization_code'],
    redirectUris: ['http://127.0.0.1/callback'],
  });
  const { access_token } = await as.authorizationCodeToken({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: 'http://127.0.0.1/callback',
    scope: 'stock:check',
    resource: server.url,
    subject: 'alice',
  });
  return access_token;
}

/** Calls `check_stock` as a user who signed in to an MCP client, and returns its text. */
export async function main(): Promise<string> {
  const example = await startExample();
  const { server, close } = example;
  try {
    const access_token = await userToken(example);
    const mcp = new Client({ name: 'downstream-calls', version: '1.0.0' });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${access_token}` } },
      }),
    );
    const result = await mcp.callTool({ name: 'check_stock', arguments: { sku: 'apple' } });
    await mcp.close();
    return (result.content as Array<{ type: 'text'; text: string }>)[0]!.text;
  } finally {
    await close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await main());
