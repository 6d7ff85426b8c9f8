// #region scopes
import { DEFAULT_SCOPES, startAuthorizationServer } from '@portcullis/testing';

const as = await startAuthorizationServer({ scopes: [...DEFAULT_SCOPES, 'notes:read'] });
// #endregion scopes
const client = await as.registerClient();
const { scope } = await as.clientCredentialsToken({
  clientId: client.clientId,
  clientSecret: client.clientSecret!,
  scope: 'notes:read',
  resource: 'http://127.0.0.1:8080/mcp',
});
console.log(`granted: ${scope}`);
await as.close();
