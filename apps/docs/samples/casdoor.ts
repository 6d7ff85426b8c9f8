import { casdoorEndpoints, createJwtVerifier } from '@portcullis/core';

const casdoor = casdoorEndpoints('https://door.example.com');
export const verifier = createJwtVerifier({
  issuers: [{ issuer: casdoor.issuer, jwksUri: casdoor.jwksUri }],
  audience: ['https://files.example.com/mcp', 'machine-client-id'],
  algorithms: ['RS256', 'RS512', 'ES256'],
});
