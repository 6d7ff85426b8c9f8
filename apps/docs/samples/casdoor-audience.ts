// A Casdoor-shaped client-credentials token (the `casdoor` profile of @portcullis/testing
// issues tokens as Casdoor does): its `aud` is the client id, whatever `resource` asked for.
import { createJwtVerifier } from '@portcullis/core';
import { startAuthorizationServer } from '@portcullis/testing';

const mcp = 'http://127.0.0.1:8080/mcp';

export async function main(): Promise<string[]> {
  const as = await startAuthorizationServer({ profile: 'casdoor' });
  try {
    const client = await as.registerClient();
    const { access_token } = await as.clientCredentialsToken({
      clientId: client.clientId,
      clientSecret: client.clientSecret!,
      scope: 'files:read',
      resource: mcp,
    });
    const lines: string[] = [];
    // #region allowlist
    const onlyTheUrl = createJwtVerifier({ issuers: [as.issuer], audience: mcp });
    const withTheClient = createJwtVerifier({
      issuers: [as.issuer],
      audience: [mcp, client.clientId], // the machine client, named
    });
    // #endregion allowlist
    await onlyTheUrl.verify(access_token).then(
      () => lines.push('the MCP URL alone: accepted'),
      (error: Error) => lines.push(`the MCP URL alone: refused (${error.message})`),
    );
    const auth = await withTheClient.verify(access_token);
    lines.push(`with the client id: accepted, client ${auth.clientId}, scopes ${auth.scopes}`);
    return lines;
  } finally {
    await as.close();
  }
}
