import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';

/** The scope sets the printed tokens carry. */
export const TOKEN_SCOPES = {
  readOnly: ['files:read', 'files:list'],
  readWrite: ['files:read', 'files:write', 'files:list'],
} as const;

/** A development authorization server in this process, with a client and ready-made tokens. */
export interface EmbeddedAuthorization {
  server: AuthorizationServer;
  clientId: string;
  clientSecret: string;
  tokens: { readOnly: string; readWrite: string };
  /** How long the tokens live, in seconds. */
  tokenLifetime: number;
}

const LIFETIME = 24 * 3600;

/** Starts the embedded server (real oidc-provider) and a client, before the resource is known. */
export function startEmbeddedAuthorizationServer(): Promise<AuthorizationServer> {
  return startAuthorizationServer({
    scopes: [...TOKEN_SCOPES.readWrite],
    accessTokenTtlSeconds: LIFETIME,
  });
}

/** Registers a client and gets one token per scope set through the real client credentials grant. */
export async function issueDevelopmentTokens(
  server: AuthorizationServer,
  resource: string,
): Promise<EmbeddedAuthorization> {
  const client = await server.registerClient({ clientId: 'file-server-dev-client' });
  const token = async (scopes: readonly string[]) =>
    (
      await server.clientCredentialsToken({
        clientId: client.clientId,
        clientSecret: client.clientSecret!,
        scope: scopes.join(' '),
        resource,
      })
    ).access_token;
  return {
    server,
    clientId: client.clientId,
    clientSecret: client.clientSecret!,
    tokens: {
      readOnly: await token(TOKEN_SCOPES.readOnly),
      readWrite: await token(TOKEN_SCOPES.readWrite),
    },
    tokenLifetime: LIFETIME,
  };
}
