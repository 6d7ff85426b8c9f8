import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TokenExchangeOptions } from '@portcullis/core';

// #region keycloak
/** Keycloak 26.2+ standard token exchange: the target is another client's id. */
export const keycloak: TokenExchangeOptions = {
  issuer: 'https://sso.example.com/realms/shop',
  clientId: 'mcp-server', // "Standard token exchange" on in its capability config
  clientAuthentication: {
    method: 'private_key_jwt', // or a client secret
    privateKey: createPrivateKey(readFileSync('mcp-server-key.pem')),
    alg: 'RS256',
  },
  allowed: { 'inventory-api': ['inventory:read'] }, // optional client scopes of inventory-api
};
// #endregion keycloak

// #region auth0
/** Auth0 Custom Token Exchange: a profile of your own, the API's identifier as audience. */
export const auth0: TokenExchangeOptions = {
  issuer: 'https://shop.eu.auth0.com/',
  clientId: 'MCP_SERVER_CLIENT_ID',
  clientAuthentication: process.env.AUTH0_MCP_SERVER_SECRET ?? '',
  subjectTokenType: 'urn:shop:mcp-access-token', // the profile's subject_token_type
  allowed: { 'https://inventory.shop.example': ['read:stock'] },
};
// #endregion auth0

// #region casdoor
/** Casdoor: a down-scoped token for the same application (the MCP server's own). */
export const casdoor: TokenExchangeOptions = {
  issuer: 'https://door.example.com',
  clientId: 'mcp-server-app', // the application the MCP client's tokens are issued to
  clientAuthentication: {
    method: 'client_secret_post', // Casdoor reads the secret from the form body
    clientSecret: process.env.CASDOOR_CLIENT_SECRET ?? '',
  },
  allowed: { 'mcp-server-app': ['application:read'] }, // the audience is the app itself
  scopesFromCaller: true, // a scope outside the caller's grant asks the client to step up
};
// #endregion casdoor
