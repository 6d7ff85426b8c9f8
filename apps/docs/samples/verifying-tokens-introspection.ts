import { createIntrospectionVerifier } from '@portcullis/core';

export const verifier = createIntrospectionVerifier({
  issuer: 'https://door.example.com', // the endpoint is found by discovery, or pass `endpoint`
  clientId: process.env.RS_CLIENT_ID!, // this resource server's own credentials
  clientSecret: process.env.RS_CLIENT_SECRET!,
  clientAuthMethod: 'client_secret_basic', // or 'client_secret_post'
  audience: 'https://files.example.com/mcp',
});
