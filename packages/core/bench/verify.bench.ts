import { startAuthorizationServer } from '@portcullis/testing';
import { afterAll, bench, describe } from 'vitest';
import { createCachingVerifier, createJwtVerifier } from '../src/index.js';

const RESOURCE = 'https://bench.example.test/mcp';
const as = await startAuthorizationServer({ algorithms: ['RS256', 'ES256'] });
afterAll(() => as.close());

console.log(`token verification on Node ${process.version} (${process.platform}/${process.arch})`);

for (const alg of ['RS256', 'ES256'] as const) {
  const token = await as.mintToken({
    audience: RESOURCE,
    alg,
    scopes: ['files:read', 'files:list'],
  });
  const verifier = createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE });
  const cached = createCachingVerifier(verifier);
  await verifier.verify(token);
  await cached.verify(token);

  describe(alg, () => {
    bench(`${alg}: signature checked every time`, async () => {
      await verifier.verify(token);
    });
    bench(`${alg}: verified-token cache hit`, async () => {
      await cached.verify(token);
    });
  });
}
