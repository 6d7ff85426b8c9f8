import { createJwtVerifier } from '@portcullis/core';

export const verifier = createJwtVerifier({
  issuers: ['https://door.example.com'], // or { issuer, jwksUri } to skip discovery
  audience: ['https://files.example.com/mcp'], // required; see "Audience" below
});
