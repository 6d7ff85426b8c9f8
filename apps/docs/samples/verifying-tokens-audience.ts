import { casdoorEndpoints, createJwtVerifier } from '@portcullis/core';

const endpoints = casdoorEndpoints('https://door.example.com');
const casdoor = { issuer: endpoints.issuer, jwksUri: endpoints.jwksUri };

// #region audience
createJwtVerifier({
  issuers: [casdoor],
  audience: ['https://files.example.com/mcp', 'my-agent-client-id'],
});
// #endregion audience
