import { startAuthorizationServer } from '@portcullis/testing';

const as = await startAuthorizationServer(); // or { profile: 'casdoor' }
const client = await as.registerClient(); // client credentials by default
const { access_token } = await as.clientCredentialsToken({
  clientId: client.clientId,
  clientSecret: client.clientSecret!,
  scope: 'files:read',
  resource: 'http://127.0.0.1:8080/mcp', // RFC 8707: becomes the token's aud
});
console.log(access_token); // send it as `Authorization: Bearer …`
await as.close(); // or `await using as = …`
