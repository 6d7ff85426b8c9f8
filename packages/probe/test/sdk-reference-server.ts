import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  type AuthInfo,
  createMcpHandler,
  getOAuthProtectedResourceMetadataUrl,
  McpServer,
  OAuthError,
  OAuthErrorCode,
  type OAuthMetadata,
  oauthMetadataResponse,
  requireBearerAuth,
  requireScopes,
} from '@modelcontextprotocol/server';
import type { AuthorizationServer } from '@portcullis/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';

/** The official SDK v2 reference setup, running: what its docs show, nothing added. */
export interface SdkReferenceServer {
  url: string;
  /** Every tool call that ran, by tool name. */
  ran: string[];
  close(): Promise<void>;
}

/**
 * An MCP server on the official SDK v2 (`@modelcontextprotocol/server` 2.4.0) protected as its
 * documentation shows: `requireBearerAuth` with a JWT verifier and `expectedResource`, the
 * metadata from `oauthMetadataResponse`, `createMcpHandler` serving both eras, a read-only tool
 * and a write tool guarded by `requireScopes`, on `node:http` through `toNodeHandler`.
 */
export async function startSdkReferenceServer(
  as: AuthorizationServer,
): Promise<SdkReferenceServer> {
  const ran: string[] = [];
  const keys = createRemoteJWKSet(new URL(as.jwksUri));
  const oauthMetadata = (await (
    await fetch(`${as.issuer}/.well-known/openid-configuration`)
  ).json()) as OAuthMetadata;
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;

  const verifier = {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      // As the verifier contract asks: an invalid token throws OAuthError(InvalidToken).
      const { payload } = await jwtVerify(token, keys, { issuer: as.issuer, typ: 'at+jwt' }).catch(
        (error: Error) => {
          throw new OAuthError(OAuthErrorCode.InvalidToken, error.message);
        },
      );
      const audience = [payload.aud].flat()[0];
      return {
        token,
        clientId: String(payload.client_id ?? payload.azp ?? ''),
        scopes: typeof payload.scope === 'string' ? payload.scope.split(' ') : [],
        expiresAt: payload.exp,
        ...(audience && { resource: new URL(audience) }),
      };
    },
  };
  const gate = requireBearerAuth({
    verifier,
    expectedResource: new URL(url),
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(new URL(url)),
  });
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'sdk-reference', version: '1.0.0' });
    server.registerTool(
      'read_file',
      { inputSchema: z.object({ path: z.string() }), annotations: { readOnlyHint: true } },
      async ({ path }) => {
        ran.push('read_file');
        return { content: [{ type: 'text', text: `contents of ${path}` }] };
      },
    );
    server.registerTool(
      'write_file',
      {
        inputSchema: z.object({ path: z.string(), content: z.string() }),
        scopeChallenge: requireScopes('files:write'),
      },
      async () => {
        ran.push('write_file');
        return { content: [{ type: 'text', text: 'written' }] };
      },
    );
    return server;
  });
  const metadataOptions = {
    oauthMetadata,
    resourceServerUrl: new URL(url),
    scopesSupported: ['files:read', 'files:write'],
    dangerouslyAllowInsecureIssuerUrl: true,
  };
  const node = toNodeHandler({
    fetch: async (request: Request) => {
      const metadata = oauthMetadataResponse(request, metadataOptions);
      if (metadata) return metadata;
      const auth = await gate(request);
      if (auth instanceof Response) return auth;
      return handler.fetch(request, { authInfo: auth });
    },
  });
  http.on('request', (req, res) => void node(req, res));
  return {
    url,
    ran,
    async close() {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
