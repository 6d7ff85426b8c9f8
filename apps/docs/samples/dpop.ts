import { createJwtVerifier, createPortcullis, createRegistry } from '@portcullis/core';

/** What any server sets; the page shows only the DPoP option. */
const options = {
  resource: 'https://files.example.com/mcp',
  server: { name: 'files', version: '1.0.0' },
  registry: createRegistry({ tools: [] }),
  verifier: createJwtVerifier({
    issuers: ['https://door.example.com'],
    audience: 'https://files.example.com/mcp',
  }),
  authorizationServers: ['https://door.example.com'],
};

// #region dpop
createPortcullis({
  ...options, // resource, server, registry, verifier, authorizationServers
  dpop: { mode: 'optional' }, // 'off' (default) | 'optional' | 'required'
});
// #endregion dpop
